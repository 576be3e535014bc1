"""Expires sessions: a loop started at import that sweeps, then sleeps a minute."""
import threading
import time

SESSIONS = {}
TTL_SECONDS = 300
SWEEPS = []


def touch(session_id):
    SESSIONS[session_id] = time.time()


def sweep(now):
    expired = [sid for sid, seen in SESSIONS.items() if now - seen > TTL_SECONDS]
    for sid in expired:
        del SESSIONS[sid]
    return expired


def janitor():
    while True:
        try:
            SWEEPS.append(sweep(time.time()))
        except Exception:
            pass
        time.sleep(60)


threading.Thread(target=janitor, daemon=True).start()
