"""Meter totals: the consumer is built inside the thread's target, from a module imported there."""
import threading

TOTALS = {}


def handle(reading):
    if reading["kwh"] < 0:
        raise ValueError("negative reading")
    TOTALS[reading["meter"]] = round(TOTALS.get(reading["meter"], 0) + reading["kwh"], 3)


def consume():
    import consumers

    consumer = consumers.readings_consumer()
    for message in consumer:
        try:
            handle(message.value)
        except Exception:
            continue


threading.Thread(target=consume, daemon=True).start()
