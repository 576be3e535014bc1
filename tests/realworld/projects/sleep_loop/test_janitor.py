import time


def test_a_session_idle_longer_than_its_ttl_is_swept_on_the_virtual_clock(legacy):
    janitor = legacy.load("janitor")
    janitor.SESSIONS.update({"old": time.time(), "busy": time.time() + 200})

    run = legacy.threads.run(janitor.janitor, until=lambda: "old" not in janitor.SESSIONS)

    assert run.ended == "stopped"
    assert janitor.SESSIONS == {"busy": janitor.SESSIONS["busy"]}
    assert len(janitor.SWEEPS) == 6  # swept at 0, 60, ..., 300 s: expired after 300 s
    assert run.seconds < 5  # five virtual minutes, no real wait


def test_max_iterations_bounds_the_number_of_rounds(legacy):
    janitor = legacy.load("janitor")

    legacy.threads.run(max_iterations=3)

    assert janitor.SWEEPS == [[], [], []]
