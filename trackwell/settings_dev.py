"""Development settings: `make run`, the test suite and the type checker ask for these.

They are the production settings with DEBUG on, which brings a fixed local secret,
local host names and plain HTTP. Never use them on a server.
"""

import os

# Before the import: settings.py reads DEBUG from the environment.
os.environ.setdefault("DEBUG", "true")

from trackwell.settings import *  # noqa: F403
