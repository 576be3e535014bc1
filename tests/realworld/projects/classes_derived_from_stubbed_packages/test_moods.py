def test_each_mood_is_appended_to_the_users_list(legacy, redis):
    moods = legacy.load("moods")

    assert moods.record("ann", "good") == 1
    assert moods.record("ann", "tired") == 2

    assert redis.lrange("mood:ann", 0, -1) == ["good", "tired"]


def test_the_settings_are_the_services_own_class(legacy):
    moods = legacy.load("moods")

    assert moods.settings.key("bob") == "mood:bob"
    assert moods.settings.redis_host == "cache.invalid"
