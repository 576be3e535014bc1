"""Starts at import every kind of thread and process there is, and one that never ends."""

import _thread
import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def loop():
    while True:
        time.sleep(1)


def mark(path):
    with open(path, "w") as handle:
        handle.write("ran\n")


executor = ThreadPoolExecutor(max_workers=1)
future = executor.submit(loop)
_thread.start_new_thread(loop, ())
worker = multiprocessing.Process(target=mark, args=("process-ran.txt",))  # non-daemon
worker.start()
child = subprocess.Popen([sys.executable, "-c", "open('popen-ran.txt', 'w').write('ran')"])
output = subprocess.run(["echo", "hello"], capture_output=True, text=True, check=True).stdout
import os

status = os.system("touch system-ran.txt")
