def test_changes_between_polls_are_recorded_and_a_failed_poll_is_skipped(legacy, http):
    poller = legacy.load("poller")
    http.reply(json={"A": 10, "B": 5}, times=1)
    http.server_error(503)
    http.reply(json={"A": 12, "B": 5}, times=1)

    run = legacy.threads.run(max_iterations=3)

    assert run.ended == "stopped"
    assert poller.CHANGES == [("A", None, 10), ("B", None, 5), ("A", 10, 12)]
    assert len(http.requests) == 3


def test_the_loop_stops_when_the_condition_holds(legacy, http):
    poller = legacy.load("poller")
    http.reply(json={"A": 1})

    legacy.threads.run(until=lambda: poller.CURRENT)

    assert poller.CURRENT == {"A": 1}
