def test_the_import_stops_in_the_loop_with_the_mail_logic_defined(legacy):
    mailer = legacy.load("mailer")

    assert mailer.OUTBOX == []
    assert mailer.mail_for({"id": 1, "email": "a@example.com", "total": 0}) is None
    assert "loop at module level" in legacy.report


def test_each_completed_order_gets_a_mail_and_a_free_one_none(legacy, kafka):
    mailer = legacy.load("mailer")
    topic = legacy.env("mailer")["KAFKA_TOPIC"]
    kafka.produce(topic, {"id": 7, "email": "a@example.com", "total": 12.5})
    kafka.produce(topic, {"id": 8, "email": "b@example.com", "total": 0})
    kafka.produce(topic, {"id": 9, "email": "c@example.com", "total": 3})

    run = legacy.threads.run()

    assert run.ended == "stopped"
    assert [(m["to"], m["subject"], m["body"]) for m in mailer.OUTBOX] == [
        ("a@example.com", "Order #7 completed", "Total: $12.50"),
        ("c@example.com", "Order #9 completed", "Total: $3.00"),
    ]


def test_a_later_run_reads_only_its_own_test_orders(legacy, kafka):
    mailer = legacy.load("mailer")
    kafka.produce(legacy.env("mailer")["KAFKA_TOPIC"], {"id": 10, "email": "d@example.com", "total": 1})

    legacy.threads.run()

    assert [m["to"] for m in mailer.OUTBOX] == ["d@example.com"]
