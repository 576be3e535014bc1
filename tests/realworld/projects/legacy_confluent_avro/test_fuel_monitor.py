READING = "schemas/fuel_reading.avsc"
KEY = {"type": "string"}


def reading(vehicle, litres, *, engine_on=True, tank_litres=200.0):
    return {"vehicle": vehicle, "litres": litres, "tank_litres": tank_litres, "engine_on": engine_on}


def test_a_nearly_empty_tank_raises_a_low_fuel_alert_keyed_by_vehicle(legacy, kafka):
    fuel = legacy.load("fuel")
    kafka.produce(fuel.READINGS_TOPIC, reading("TRK-1", 80.0), key="TRK-1", schema=READING, key_schema=KEY)
    kafka.produce(fuel.READINGS_TOPIC, reading("TRK-1", 15.5), key="TRK-1", schema=READING, key_schema=KEY)

    run = legacy.threads.run()

    assert run.ended == "stopped"
    assert kafka.values(fuel.ALERTS_TOPIC) == [{"vehicle": "TRK-1", "kind": "LOW_FUEL", "litres": 15.5}]
    assert [message.key for message in kafka.messages(fuel.ALERTS_TOPIC)] == ["TRK-1"]


def test_a_drop_with_the_engine_off_is_siphoning_and_with_it_on_is_driving(legacy, kafka):
    fuel = legacy.load("fuel")
    for vehicle, engine_on in (("TRK-2", False), ("TRK-3", True)):
        kafka.produce(fuel.READINGS_TOPIC, reading(vehicle, 150.0), schema=READING)
        kafka.produce(fuel.READINGS_TOPIC, reading(vehicle, 120.0, engine_on=engine_on), schema=READING)

    legacy.threads.run(fuel.consume)

    assert kafka.values(fuel.ALERTS_TOPIC) == [{"vehicle": "TRK-2", "kind": "SIPHONING", "litres": 30.0}]
    assert fuel.LAST_LITRES == {"TRK-2": 120.0, "TRK-3": 120.0}


def test_a_reading_that_is_not_avro_is_skipped_and_the_loop_goes_on(legacy, kafka):
    fuel = legacy.load("fuel")
    kafka.produce(fuel.READINGS_TOPIC, reading("TRK-4", 5.0))  # JSON, not Avro
    kafka.produce(fuel.READINGS_TOPIC, reading("TRK-5", 3.0), schema=READING)

    legacy.threads.run()

    assert len(fuel.SKIPPED) == 1 and "magic byte" in fuel.SKIPPED[0]
    assert [alert["vehicle"] for alert in kafka.values(fuel.ALERTS_TOPIC)] == ["TRK-5"]


def test_alerts_are_registered_under_the_topic_and_start_from_an_empty_state(legacy, kafka):
    fuel = legacy.load("fuel")
    assert fuel.LAST_LITRES == {} and fuel.SKIPPED == []

    fuel.producer.produce(topic=fuel.ALERTS_TOPIC, key="TRK-6", value={"vehicle": "TRK-6", "kind": "LOW_FUEL", "litres": 1.0})

    [message] = kafka.messages(fuel.ALERTS_TOPIC)
    assert (message.key, message.value["kind"]) == ("TRK-6", "LOW_FUEL")
    assert kafka.registry.version(f"{fuel.ALERTS_TOPIC}-value").schema.schema_str == str(fuel.ALERT_SCHEMA)
