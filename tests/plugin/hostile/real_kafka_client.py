"""Builds a real (C-backed) Kafka producer at import, aimed at a remote broker."""

from confluent_kafka import Producer

producer = Producer({"bootstrap.servers": "kafka.invalid:9092", "socket.timeout.ms": 100})
