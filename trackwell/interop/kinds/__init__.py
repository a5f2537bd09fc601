"""The built-in kinds of import; importing this package registers them with the pipeline."""

from trackwell.interop import services, transition  # noqa: F401  (frameworks; transition records)
from trackwell.interop.kinds import ctf, oneroster, pupils  # noqa: F401  (CTF, OneRoster, MIS)
