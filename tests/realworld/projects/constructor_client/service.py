"""Temperature alarms: a module-level Notifier() whose __init__ builds a confluent-kafka Producer."""
from notifier import Notifier

NOTIFIER = Notifier()
THRESHOLDS = {"warning": 80, "critical": 95}


def check_temperature(equipment, celsius):
    level = None
    for name, limit in sorted(THRESHOLDS.items(), key=lambda item: item[1]):
        if celsius >= limit:
            level = name
    if level:
        NOTIFIER.alert(equipment, level)
    return level
