"""What the `wire` level costs: the services' suites at `wire` against the same suites at `fake`.

    .venv/bin/python bench/wire_speed.py [--rounds N] [pytest args, default: tests/services]

1. The suites, each level in its own pytest process with its whole cost counted (interpreter,
   imports, the mock cluster's start, every group join, the loopback servers, the exit), run
   alternately `--rounds` times (default 3) so a busy machine weighs on both levels alike; the
   median wall time of each level and their ratio (goal: wire <= 3x fake).
2. The pieces the wire level adds, measured in this process: starting the mock cluster, a
   consumer's first group join and first record (confluent-kafka, kafka-python), a pooled
   consumer's re-subscription, the per-test reset, and one record produced and read back.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ("fake", "wire")


def run_suite(level: str, targets: list[str]) -> tuple[float, str, int]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        f"--harness-fidelity={level}",
        *targets,
    ]
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    seconds = time.perf_counter() - began
    lines = done.stdout.splitlines()
    summary = next(
        (
            line
            for line in reversed(lines)
            if " in " in line and ("passed" in line or "failed" in line)
        ),
        "?",
    )
    return seconds, summary.strip("= "), done.returncode


def suites(targets: list[str], rounds: int) -> None:
    times: dict[str, list[float]] = {level: [] for level in LEVELS}
    last: dict[str, tuple[str, int]] = {}
    for _ in range(rounds):
        for level in LEVELS:
            seconds, summary, code = run_suite(level, targets)
            times[level].append(seconds)
            last[level] = (summary, code)
    print(
        f"suites: {' '.join(targets)} ({rounds} alternating rounds, wall time per pytest process)"
    )
    for level in LEVELS:
        summary, code = last[level]
        runs = ", ".join(f"{t:.2f}" for t in times[level])
        print(
            f"  {level:5s} median {statistics.median(times[level]):6.2f} s  [{runs}]  exit {code}  {summary}"
        )
    ratio = statistics.median(times["wire"]) / statistics.median(times["fake"])
    print(f"  wire/fake: {ratio:.2f}x (goal <= 3x)")


def timed(label: str, action: Callable[[], object], results: list[tuple[str, float]]) -> None:
    began = time.perf_counter()
    action()
    results.append((label, time.perf_counter() - began))


def pieces() -> None:
    import json

    import confluent_kafka
    import kafka

    from harness.fakes.stop import ConsumerStopped
    from harness.wire import confluent as wire_confluent
    from harness.wire import kafka_python as wire_kafka_python
    from harness.wire.kafka import MockCluster

    results: list[tuple[str, float]] = []
    holder: dict[str, MockCluster] = {}
    timed(
        "mock cluster start (broker + the harness's clients)",
        lambda: holder.setdefault("c", MockCluster.start()),
        results,
    )
    cluster = holder["c"]
    topics = [f"bench-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for topic in topics:
        cluster.produce(topic, b'{"n": 1}')

    def first_record(consumer: object, subscribe: Callable[[], None]) -> Callable[[], None]:
        def wait() -> None:
            subscribe()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                message = consumer.poll(0.01)  # type: ignore[attr-defined]
                if message is not None and not message.error():
                    return
            raise TimeoutError("no record within 30 s")

        return wait

    with wire_confluent.clients_on(cluster), wire_kafka_python.clients_on(cluster):
        conf = {
            "bootstrap.servers": cluster.bootstrap_servers,
            "group.id": "bench",
            "auto.offset.reset": "earliest",
        }
        consumer = confluent_kafka.Consumer(conf)
        timed(
            "confluent-kafka: first group join + first record",
            first_record(consumer, lambda: consumer.subscribe([topics[0]])),
            results,
        )
        timed(
            "confluent-kafka: re-subscribed to another topic + first record",
            first_record(consumer, lambda: consumer.subscribe([topics[1]])),
            results,
        )

        def kafka_python_first() -> None:
            reader = kafka.KafkaConsumer(
                topics[2],
                bootstrap_servers=cluster.bootstrap_servers,
                group_id="bench-kp",
                auto_offset_reset="earliest",
                value_deserializer=json.loads,
            )
            read = []
            with cluster.stop_when_drained():
                try:
                    for record in reader:
                        read.append(record.value)
                except ConsumerStopped:
                    pass
            if read != [{"n": 1}]:
                raise AssertionError(f"kafka-python read {read!r}")

        timed("kafka-python: first group join + first record, drained", kafka_python_first, results)
        timed("per-test reset (every topic emptied, consumers moved)", cluster.clear, results)
        timed(
            "one record produced and read back",
            lambda: (cluster.produce(topics[0], b"x"), cluster.records(topics[0])),
            results,
        )
        consumer.close()
    cluster.close()
    print("pieces (this process):")
    for label, seconds in results:
        print(f"  {seconds * 1000:8.1f} ms  {label}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args, targets = parser.parse_known_args(argv)
    suites(targets or ["tests/services"], args.rounds)
    pieces()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
