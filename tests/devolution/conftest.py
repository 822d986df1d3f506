"""Fixtures of the devolution tests; they and the helpers live in devolution_support.py (a unique module name:
several test folders have helpers, and a plain `conftest` import would pick whichever loaded first)."""

from devolution_and_intake import suite  # noqa: F401 (devolution and intake side by side)
from devolution_support import *  # noqa: F403
