"""Waits at module level for something that never comes."""

import time

ready = False
while not ready:
    time.sleep(1)
