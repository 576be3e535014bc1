def test_events_are_counted_per_kind(legacy, mongo):
    events = legacy.load("events")

    assert events.record("start") == 1
    assert events.record("start") == 2
    assert events.record("stop") == 1

    assert len(mongo.documents(events.DB_NAME, events.COLLECTION)) == 3


def test_names_get_strings_and_the_dsn_stays_off(legacy):
    events = legacy.load("events")

    assert isinstance(events.DB_NAME, str) and isinstance(events.COLLECTION, str)
    assert events.SENTRY_DSN is None
