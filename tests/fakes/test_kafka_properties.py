"""The confluent_kafka fake rejects configuration names librdkafka does not know, as it does."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from harness.fakes._kafka_properties import LIBRDKAFKA_PROPERTIES

if TYPE_CHECKING:
    from .conftest import Tree


def _unknown_property(ck: Tree, build) -> str:
    with pytest.raises(ck.KafkaException) as raised:
        build()
    error = raised.value.args[0]
    assert error.name() == "_INVALID_ARG"
    return error.str()


@pytest.mark.parametrize(
    ("client", "base"),
    [("Producer", {}), ("Consumer", {"group.id": "g"}), ("SerializingProducer", {})],
)
def test_a_misspelt_property_is_rejected_by_every_client(ck: Tree, client: str, base) -> None:
    message = _unknown_property(
        ck, lambda: getattr(ck, client)({**base, "XXkey.deserializerXX": "x"})
    )
    assert message == 'No such configuration property: "XXkey.deserializerXX"'


def test_the_first_unknown_name_in_the_dict_order_is_reported(ck: Tree) -> None:
    message = _unknown_property(ck, lambda: ck.Producer({"zz.b": 1, "acks": 1, "aa.a": 2}))
    assert message == 'No such configuration property: "zz.b"'


def test_names_are_case_sensitive_and_use_dots(ck: Tree) -> None:
    for name in ("Bootstrap.Servers", "bootstrap_servers"):
        conf = {name: "kafka:9092"}
        assert name in _unknown_property(ck, lambda conf=conf: ck.Producer(conf))


def test_keyword_configuration_is_checked_too(ck: Tree) -> None:
    message = _unknown_property(ck, lambda: ck.Producer(**{"bogus.prop": 1}))
    assert message == 'No such configuration property: "bogus.prop"'


def test_topic_properties_aliases_and_client_callbacks_are_accepted(ck: Tree) -> None:
    ck.Producer(
        {
            "bootstrap.servers": "kafka:9092",
            "metadata.broker.list": "kafka:9092",
            "acks": "all",
            "linger.ms": 5,
            "error_cb": print,
            "logger": None,
            "on_delivery": print,
            "default.topic.config": {"message.timeout.ms": 1000},
        }
    )
    ck.Consumer({"group.id": "g", "on_commit": print, "stats_cb": print})


def test_callbacks_belong_to_their_own_client_kind(ck: Tree) -> None:
    assert "on_commit" in _unknown_property(ck, lambda: ck.Producer({"on_commit": print}))
    consumer = {"group.id": "g", "on_delivery": print}
    assert "on_delivery" in _unknown_property(ck, lambda: ck.Consumer(consumer))


def test_default_topic_config_keys_are_checked(ck: Tree) -> None:
    message = _unknown_property(ck, lambda: ck.Producer({"default.topic.config": {"bogus": 1}}))
    assert message == 'No such configuration property: "bogus"'


def test_serializing_clients_take_only_their_own_serde_keys(ck: Tree) -> None:
    ck.SerializingProducer({"key.serializer": None, "value.serializer": None})
    ck.DeserializingConsumer({"group.id": "g", "key.deserializer": None})
    message = _unknown_property(ck, lambda: ck.SerializingProducer({"key.deserializer": None}))
    assert message == 'No such configuration property: "key.deserializer"'
    consumer = {"group.id": "g", "value.serializer": None}
    message = _unknown_property(ck, lambda: ck.DeserializingConsumer(consumer))
    assert message == 'No such configuration property: "value.serializer"'
    assert "key.serializer" in _unknown_property(ck, lambda: ck.Producer({"key.serializer": 1}))


def test_a_missing_group_id_is_reported_before_unknown_names(ck: Tree) -> None:
    with pytest.raises(ValueError, match="group.id must be set"):
        ck.Consumer({"bogus": 1})


def test_admin_client_checks_names_too(ck: Tree) -> None:
    admin = ck["admin"]
    assert "bogus" in _unknown_property(ck, lambda: admin.AdminClient({"bogus": 1}))


def _rejected_by_real_librdkafka(name: str) -> bool:
    from confluent_kafka import KafkaException, Producer

    try:
        Producer({name: ""})
    except KafkaException as e:
        return e.args[0].str() == f'No such configuration property: "{name}"'
    return False


def test_the_generated_table_matches_the_installed_librdkafka() -> None:
    pytest.importorskip("confluent_kafka")
    # A sample keeps this fast; the generator offers every name to librdkafka itself.
    known = random.Random(20261121).sample(sorted(LIBRDKAFKA_PROPERTIES), 25)
    assert [n for n in known if _rejected_by_real_librdkafka(n)] == []
    near_misses = [name.upper() for name in known[:5]] + [f"{known[0]}.x", "linger_ms"]
    assert all(_rejected_by_real_librdkafka(n) for n in near_misses)
    assert "test.mock.num.brokers" in LIBRDKAFKA_PROPERTIES  # undocumented, yet accepted
