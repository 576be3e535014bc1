def test_a_batch_is_cut_at_the_configured_limit(legacy, kafka):
    publisher = legacy.load("publisher")

    assert publisher.publish_all([{"n": 1}, {"n": 2}, {"n": 3}]) == 2

    assert kafka.values(publisher.settings.EVENTS_TOPIC) == [{"n": 1}, {"n": 2}]


def test_decouple_reads_get_values_by_name_and_cast_and_defaults_stay(legacy):
    publisher = legacy.load("publisher")

    assert publisher.settings.API_PORT == 8080
    assert publisher.settings.DEBUG is False
    assert publisher.settings.BOOTSTRAP_SERVERS == "192.0.2.1:9092"
