"""Baseline: usage's functions, called directly (the consumer loop stays out of reach).

MongoDB collections and the Kafka producer are fresh MagicMocks per test; the
reference table `last_processed_data` is a fresh dict per test.
"""

from unittest.mock import call

import pytest

HOUR_MS = 3600 * 1000
T0 = 1_763_683_200_000  # 2025-11-21T00:00:00Z


def event(
    identifier="EX001", timestamp=T0, hours=100.0, km=5000.0, base="BASE01", poi=()
):
    return {
        "identifier": identifier,
        "timestamp": timestamp,
        "base": {"code": base, "name": None},
        "c40": {
            "position": {"lat": 45.0, "lon": 9.0},
            "odometry": {"hours_tot": hours, "km_tot": km},
            "poi": [{"code": code, "name": None} for code in poi],
        },
    }


# -- timestamp_to_date -----------------------------------------------------
def test_timestamp_to_date_of_the_epoch(service):
    assert service.timestamp_to_date(0) == "1970-01-01"


def test_timestamp_to_date_reads_milliseconds(service):
    assert service.timestamp_to_date(T0 + 13 * HOUR_MS) == "2025-11-21"


def test_timestamp_to_date_splits_days_at_utc_midnight(service):
    assert service.timestamp_to_date(T0 - 1) == "2025-11-20"
    assert service.timestamp_to_date(T0) == "2025-11-21"


# -- get_odometry ------------------------------------------------------------
def test_get_odometry_returns_floats(service):
    assert service.get_odometry(event(hours=100, km=5000)) == (100.0, 5000.0)


@pytest.mark.parametrize(
    "c40",
    [
        None,
        {},
        {"odometry": None},
        {"odometry": {"hours_tot": None, "km_tot": 1.0}},
        {"odometry": {"hours_tot": 1.0}},
        {"odometry": {"hours_tot": 1.0, "km_tot": "12"}},
        {"odometry": {"hours_tot": True, "km_tot": 1.0}},
    ],
)
def test_get_odometry_is_none_when_a_counter_is_missing(service, c40):
    assert service.get_odometry({"identifier": "EX001", "c40": c40}) is None


# -- extract_poi_list --------------------------------------------------------
def test_extract_poi_list_keeps_codes_in_order(service):
    assert service.extract_poi_list(event(poi=("SITE-2", "SITE-1"))) == [
        "SITE-2",
        "SITE-1",
    ]


def test_extract_poi_list_drops_duplicates_and_empty_codes(service):
    data = event()
    data["c40"]["poi"] = [
        {"code": "A"},
        {"code": ""},
        {"name": "no code"},
        {"code": "A"},
        "B",
    ]

    assert service.extract_poi_list(data) == ["A"]


@pytest.mark.parametrize("c40", [None, {}, {"poi": None}, {"poi": []}])
def test_extract_poi_list_is_empty_without_pois(service, c40):
    assert service.extract_poi_list({"c40": c40}) == []


# -- compute_delta -----------------------------------------------------------
def test_compute_delta_normal(service):
    ref = event(timestamp=1000, hours=100.0, km=5000.0)
    upd = event(timestamp=2000, hours=101.5, km=5010.0)

    assert service.compute_delta(ref, upd) == (1000, 1.5, 10.0)


def test_compute_delta_rounds_float_noise_to_three_decimals(service):
    ref = event(hours=0.1, km=0.1)
    upd = event(timestamp=T0 + HOUR_MS, hours=0.4, km=0.3)

    assert service.compute_delta(ref, upd) == (HOUR_MS, 0.3, 0.2)


def test_compute_delta_returns_negative_deltas_as_they_are(service):
    ref = event(hours=1500.0, km=9000.0)
    upd = event(timestamp=T0 + HOUR_MS, hours=2.0, km=3.5)

    assert service.compute_delta(ref, upd) == (HOUR_MS, -1498.0, -8996.5)


def test_compute_delta_of_an_idle_equipment_is_zero(service):
    ref = event()
    upd = event(timestamp=T0 + 10 * HOUR_MS)

    assert service.compute_delta(ref, upd) == (10 * HOUR_MS, 0.0, 0.0)


# -- should_compute_delta ----------------------------------------------------
def test_should_compute_delta_is_false_without_a_reference(
    service, last_processed_data
):
    assert service.should_compute_delta(event()) is False


def test_should_compute_delta_is_true_for_a_newer_event(service, last_processed_data):
    last_processed_data["EX001"] = event(timestamp=T0)

    assert service.should_compute_delta(event(timestamp=T0 + 1)) is True


@pytest.mark.parametrize("offset", [0, -1, -HOUR_MS])
def test_should_compute_delta_is_false_for_a_replayed_or_older_event(
    service, last_processed_data, offset
):
    last_processed_data["EX001"] = event(timestamp=T0)

    assert service.should_compute_delta(event(timestamp=T0 + offset)) is False


def test_should_compute_delta_only_looks_at_the_same_equipment(
    service, last_processed_data
):
    last_processed_data["EX002"] = event("EX002", timestamp=T0)

    assert service.should_compute_delta(event("EX001", timestamp=T0 + 1)) is False


# -- get_cost_sources --------------------------------------------------------
def test_get_cost_sources_prefers_the_reference_pois(service, last_processed_data):
    last_processed_data["EX001"] = event(poi=("SITE-1",))

    assert service.get_cost_sources(event(timestamp=T0 + 1, poi=("SITE-2",))) == [
        "SITE-1"
    ]


def test_get_cost_sources_falls_back_on_the_event_pois(service, last_processed_data):
    last_processed_data["EX001"] = event()

    assert service.get_cost_sources(
        event(timestamp=T0 + 1, poi=("SITE-2", "SITE-3"))
    ) == ["SITE-2", "SITE-3"]


def test_get_cost_sources_books_on_the_base_outside_every_poi(
    service, last_processed_data
):
    last_processed_data["EX001"] = event()

    assert service.get_cost_sources(event(timestamp=T0 + 1, base="NORTH")) == ["NORTH"]


# -- upsert_costs -----------------------------------------------------------
def test_upsert_costs_increments_the_day_document_of_the_source(
    service, data_collection
):
    service.upsert_costs(event(timestamp=T0 + HOUR_MS), ["SITE-1"], 1.5, 12.0)

    data_collection.update_one.assert_called_once_with(
        {"identifier": "EX001", "date": "2025-11-21", "source": "SITE-1"},
        {
            "$inc": {"hours": 1.5, "km": 12.0, "intervals": 1},
            "$set": {"base_code": "BASE01"},
            "$max": {"last_timestamp": T0 + HOUR_MS},
        },
        upsert=True,
    )


def test_upsert_costs_splits_usage_evenly_across_sources(service, data_collection):
    service.upsert_costs(event(), ["SITE-1", "SITE-2"], 3.0, 10.0)

    filters = [c.args[0]["source"] for c in data_collection.update_one.call_args_list]
    increments = [c.args[1]["$inc"] for c in data_collection.update_one.call_args_list]
    assert filters == ["SITE-1", "SITE-2"]
    assert increments == [{"hours": 1.5, "km": 5.0, "intervals": 1}] * 2


# -- save_reference / load_state --------------------------------------------
def test_save_reference_persists_then_remembers(
    service, last_processed_data, state_collection
):
    data = event()

    service.save_reference(data)

    state_collection.replace_one.assert_called_once_with(
        {"identifier": "EX001"}, {"identifier": "EX001", "event": data}, upsert=True
    )
    assert last_processed_data == {"EX001": data}


def test_load_state_restores_every_saved_reference(
    service, last_processed_data, state_collection
):
    saved = [event("EX001"), event("EX002", hours=7.0)]
    state_collection.find.return_value = [
        {"identifier": e["identifier"], "event": e} for e in saved
    ]

    service.load_state()

    assert last_processed_data == {"EX001": saved[0], "EX002": saved[1]}
    state_collection.find.assert_called_once_with({}, {"_id": 0})


# -- emit_on_kafka / delivery_report ----------------------------------------
def test_emit_on_kafka_produces_keyed_by_identifier_and_serves_callbacks(
    service, producer
):
    record = {"identifier": "EX001", "delta_hours": 1.0}

    service.emit_on_kafka(producer, "usage-topic", record)

    assert producer.mock_calls == [
        call.produce(
            topic="usage-topic",
            key="EX001",
            value=record,
            on_delivery=service.delivery_report,
        ),
        call.poll(0),
    ]


def test_emit_on_kafka_drains_a_full_queue_and_retries_once(service, producer):
    record = {"identifier": "EX001"}
    producer.produce.side_effect = [BufferError("queue full"), None]

    service.emit_on_kafka(producer, "usage-topic", record)

    assert producer.produce.call_count == 2
    assert producer.poll.call_args_list == [call(1), call(0)]


def test_emit_on_kafka_gives_up_when_the_queue_stays_full(service, producer):
    producer.produce.side_effect = BufferError("queue full")

    with pytest.raises(BufferError):
        service.emit_on_kafka(producer, "usage-topic", {"identifier": "EX001"})


def test_delivery_report_prints_failures_only(service, capsys):
    service.delivery_report(None, object())
    assert capsys.readouterr().out == ""

    service.delivery_report("broker down", object())
    assert "broker down" in capsys.readouterr().out


# -- handle_message: the business rules --------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        None,
        "EX001",
        {"timestamp": T0, "base": {"code": "B"}},
        {**event(), "identifier": ""},
        {**event(), "timestamp": "2025-11-21T00:00:00Z"},
        {**event(), "timestamp": True},
        {**event(), "base": None},
        {**event(), "base": {"name": "no code"}},
    ],
)
def test_handle_message_rejects_invalid_events(service, fresh_state, producer, data):
    assert service.handle_message(data) == "invalid"
    producer.produce.assert_not_called()


def test_handle_message_first_event_becomes_the_reference(
    service, fresh_state, last_processed_data, data_collection, producer
):
    first = event()

    assert service.handle_message(first) == "first"
    assert last_processed_data == {"EX001": first}
    data_collection.update_one.assert_not_called()
    producer.produce.assert_not_called()


def test_handle_message_without_odometry_keeps_the_reference(
    service, fresh_state, last_processed_data, producer
):
    reference = event()
    last_processed_data["EX001"] = reference
    blind = event(timestamp=T0 + HOUR_MS)
    blind["c40"]["odometry"] = None

    assert service.handle_message(blind) == "missing_odometry"
    assert last_processed_data["EX001"] is reference
    producer.produce.assert_not_called()


@pytest.mark.parametrize("offset", [0, -HOUR_MS])
def test_handle_message_ignores_out_of_order_events(
    service, fresh_state, last_processed_data, state_collection, producer, offset
):
    reference = event(timestamp=T0)
    last_processed_data["EX001"] = reference

    assert (
        service.handle_message(event(timestamp=T0 + offset, hours=200.0))
        == "out_of_order"
    )
    assert last_processed_data["EX001"] is reference
    state_collection.replace_one.assert_not_called()
    producer.produce.assert_not_called()


def test_handle_message_odometer_reset_rebases_without_booking(
    service, fresh_state, last_processed_data, data_collection, producer
):
    last_processed_data["EX001"] = event(hours=1500.0, km=9000.0)
    after_reset = event(timestamp=T0 + HOUR_MS, hours=0.5, km=9010.0)

    assert service.handle_message(after_reset) == "reset"
    assert last_processed_data["EX001"] is after_reset
    data_collection.update_one.assert_not_called()
    producer.produce.assert_not_called()


def test_handle_message_books_and_publishes_the_usage(
    service, fresh_state, last_processed_data, data_collection, producer
):
    last_processed_data["EX001"] = event(
        timestamp=T0, hours=100.0, km=5000.0, poi=("SITE-7",)
    )
    later = event(timestamp=T0 + HOUR_MS, hours=100.9, km=5012.4)

    assert service.handle_message(later) == "computed"

    producer.produce.assert_called_once_with(
        topic="usage-topic",
        key="EX001",
        value={
            "identifier": "EX001",
            "base_code": "BASE01",
            "date": "2025-11-21",
            "start_timestamp": T0,
            "end_timestamp": T0 + HOUR_MS,
            "delta_ms": HOUR_MS,
            "delta_hours": 0.9,
            "delta_km": 12.4,
            "sources": ["SITE-7"],
        },
        on_delivery=service.delivery_report,
    )
    (cost_filter, cost_update), _ = data_collection.update_one.call_args
    assert cost_filter == {
        "identifier": "EX001",
        "date": "2025-11-21",
        "source": "SITE-7",
    }
    assert cost_update["$inc"] == {"hours": 0.9, "km": 12.4, "intervals": 1}
    assert last_processed_data["EX001"] is later
