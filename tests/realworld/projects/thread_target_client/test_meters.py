def test_readings_produced_before_the_run_are_summed_per_meter(legacy, kafka):
    meters = legacy.load("meters")
    kafka.produce("readings", {"meter": "m1", "kwh": 2.5})
    kafka.produce("readings", {"meter": "m2", "kwh": 1.0})
    kafka.produce("readings", {"meter": "m1", "kwh": 0.25})

    run = legacy.threads.run()

    assert run.ended == "stopped"
    assert meters.TOTALS == {"m1": 2.75, "m2": 1.0}


def test_a_bad_reading_is_skipped_and_the_loop_goes_on(legacy, kafka):
    meters = legacy.load("meters")
    kafka.produce("readings", {"meter": "m1", "kwh": -4})
    kafka.produce("readings", {"meter": "m1", "kwh": 1.5})

    legacy.threads.run(meters.consume)

    assert meters.TOTALS == {"m1": 1.5}
