"""Settings for the test suite: svtoolkit's own settings in test mode."""

import os

os.environ["SVTOOLKIT_ENV"] = "test"

from svtoolkit.settings import *  # noqa: E402,F403
