def test_the_highest_threshold_reached_is_sent(legacy, kafka):
    alarms = legacy.load("alarms")

    assert alarms.check_temperature("EX1", 97) == "critical"

    assert kafka.values("alerts") == [{"equipment": "EX1", "level": "critical"}]


def test_below_every_threshold_nothing_is_sent(legacy, kafka):
    alarms = legacy.load("alarms")

    assert alarms.check_temperature("EX1", 20) is None

    assert kafka.values("alerts") == []
