"""The built-in kinds of import; importing this package registers them with the pipeline."""

from trackwell.interop import services  # noqa: F401  (frameworks: CSV and CASE)
from trackwell.interop.kinds import pupils  # noqa: F401  (MIS pupil lists)
