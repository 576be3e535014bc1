"""Equipment hours from an archive service; a refresh thread starts at import."""
import os
import threading
import time

import requests

ARCHIVE_URL = os.environ.get("ARCHIVE_URL", "http://archive:8000")
REFRESHED = []


def fetch(equipment):
    return requests.get(f"{ARCHIVE_URL}/equipment/{equipment}", timeout=5).json()


def summary(equipment):
    events = fetch(equipment)["events"]
    return {"equipment": equipment, "hours": sum(event["hours"] for event in events)}


def refresh_forever():
    while True:
        REFRESHED.append(time.time())
        time.sleep(60)


threading.Thread(target=refresh_forever, daemon=True).start()
