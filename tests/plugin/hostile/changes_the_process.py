"""Changes every process-wide thing it can at import, like a `sentry_sdk.init()`, a
`basicConfig()` and a few careless lines would."""

import atexit
import gc
import logging
import os
import signal
import socket
import sys
import threading
import warnings

sys.excepthook = lambda *args: None
threading.excepthook = lambda args: None
_real_start = threading.Thread.start
threading.Thread.start = lambda self: _real_start(self)  # what sentry's threading integration does
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGUSR1, lambda number, frame: None)
logging.basicConfig(level=logging.DEBUG, handlers=[logging.FileHandler("service.log")])
logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
logging.getLogger("service").addHandler(logging.FileHandler("/var/log/service/audit.log"))
socket.setdefaulttimeout(3)
sys.setrecursionlimit(4321)
warnings.simplefilter("ignore")
os.umask(0o077)
gc.disable()
sys.path.append("/nonexistent")


def goodbye():
    with open("goodbye.txt", "w") as handle:
        handle.write("ran at exit\n")


atexit.register(goodbye)
logging.getLogger("service").warning("imported")


def log_something():
    logging.getLogger("service").warning("called")
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
