"""The `wire` fidelity level: the services' real client libraries against real protocols on 127.0.0.1.

* `harness.wire.kafka`: librdkafka's mock cluster (`MockCluster`), reached by the real
  confluent-kafka and kafka-python clients; drain mode for inline consumer loops.
* `harness.wire.confluent`, `harness.wire.kafka_python`: the real client classes with what
  running a legacy loop inline needs (drain mode, one group join per session).
* `harness.wire.registry`: a Schema Registry REST API on loopback (`LoopbackRegistry`).
* `harness.wire.http`: a scripted HTTP server on loopback with fault injection (`LoopbackArchive`).
* `harness.wire.source`: the plugin's view (`WireSource`, `WireDependency`).

Importing this package imports nothing else: each module is loaded when first used.
"""

__all__: list[str] = []
