"""Ends the process at import, as a failed health check in legacy code might."""

import os

READY = False
if not READY:
    os._exit(7)
