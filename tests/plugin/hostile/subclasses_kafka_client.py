"""Builds real (C-backed) Kafka producers: through the C `Producer`, through subclasses of it
(its own, and one of a library imported before it, `kafkalib`) and through that library's
factory, aimed wherever the caller says."""

import os

import kafkalib
from confluent_kafka import Producer

SERVERS = os.environ["KAFKA_BOOTSTRAP_SERVERS"]


class Publisher(Producer):
    def __init__(self, servers):
        super().__init__({"bootstrap.servers": servers, "socket.timeout.ms": 100})


def plain(servers):
    return Producer({"bootstrap.servers": servers, "socket.timeout.ms": 100})


def factory(servers):
    return kafkalib.make_producer({"bootstrap.servers": servers, "socket.timeout.ms": 100})


def own(servers):
    return Publisher(servers)


def library(servers):
    return kafkalib.TracingProducer({"bootstrap.servers": servers, "socket.timeout.ms": 100}, "svc")


if os.environ.get("KAFKA_BUILD_AT_IMPORT") == "library":
    producer = kafkalib.TracingProducer({"bootstrap.servers": "kafka.invalid:9092"})
if os.environ.get("KAFKA_BUILD_AT_IMPORT") == "own":
    producer = Publisher("kafka.invalid:9092")
