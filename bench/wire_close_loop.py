"""Does the wire teardown ever hang? `MockCluster.close()` run over and over, hangs counted.

    .venv/bin/python bench/wire_close_loop.py [--rounds N] [--timeout S] [--busy N] [--close leave|plain]

Each round is a fresh process (so a hang costs one round, never this script): a mock cluster,
confluent-kafka consumers the way services leave them at the end of a session, then
`cluster.close()`. The consumers, in two groups on four-partition topics:

* members that polled until they got their partitions, then sat idle (a pooled consumer
  between inline runs);
* members that subscribed and never polled: the group's assignment waits, unserved, in their
  queue, as in the close that librdkafka issue 4884 describes;
* a member whose `on_revoke` callback sleeps past the 1.1 s session the wire level gives;
* rivals joining a group right before the close, so the close lands in a rebalance;
* a pooled consumer built again with another configuration in the same group, which makes the
  cluster close its rival (`MockCluster.pooled`).

The hang is a race, seen most on a busy machine: `--busy N` (default: one per CPU) keeps N
processes spinning while the rounds run. A round that does not end within `--timeout` s
(default 60) is killed and counted as hung;
one that ends prints how long `close()` took and which closes were abandoned at the 5 s bound.
`--close plain` runs the teardown as it was before consumers left their group first
(`_wire_leave_group` turned off), for the comparison. No assertion: the counts are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_round(seed: int, close: str) -> dict[str, object]:
    """Runs in the child: build the consumers, close the cluster, report."""
    import confluent_kafka

    from harness.wire import confluent as wire_confluent
    from harness.wire.kafka import MockCluster

    if close == "plain":
        wire_confluent._WireConsumerMixin._wire_leave_group = lambda self: None  # type: ignore[method-assign]
    rng = random.Random(seed)
    cluster = MockCluster.start()
    topics = ["telemetry", "positions"]
    for topic in topics:
        cluster.create_topic(topic, 4)
        for n in range(4):
            cluster.produce(topic, f"record {n}".encode(), partition=n)

    def conf(group: str, **extra: object) -> dict[str, object]:
        return {
            "bootstrap.servers": cluster.bootstrap_servers,
            "group.id": group,
            "log_level": 0,
            **extra,
        }

    def until_assigned(consumer: confluent_kafka.Consumer) -> None:
        deadline = time.monotonic() + 5
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.02)

    built = 0

    def member(config: dict[str, object]) -> wire_confluent.WireConsumer:
        # Several members per group, all the cluster's to close (the pool keeps one a group).
        nonlocal built
        consumer = wire_confluent.WireConsumer(config)
        consumer._wire_attach(cluster, ("bench", built))
        built += 1
        return consumer

    in_close: list[str] = []

    def on_revoke(consumer: object, partitions: object, pause: float = 0.0) -> None:
        # The frame that called into confluent-kafka: close() itself, or a poll before it.
        if sys._getframe(1).f_code.co_name in ("close", "_wire_close_for_good"):
            in_close.append(sys._getframe(1).f_code.co_name)
        time.sleep(pause)

    def slow_revoke(consumer: object, partitions: object) -> None:
        on_revoke(consumer, partitions, pause=1.5)  # past the 1.1 s session

    keep = []
    for group in ("current", "history"):
        idle = member(conf(group))
        idle.subscribe(topics, on_revoke=on_revoke)
        until_assigned(idle)
        slow = member(conf(group))
        slow.subscribe(topics, on_revoke=slow_revoke)
        if rng.random() < 0.5:
            until_assigned(slow)
        never_polled = [member(conf(f"{group}-{n}")) for n in range(rng.randint(1, 3))]
        for consumer in never_polled:
            consumer.subscribe(topics, on_revoke=on_revoke)
        rival = member(conf(group))
        rival.subscribe(topics, on_revoke=on_revoke)
        rival.poll(rng.random() * 0.3)  # the rebalance starts; the others do not poll
        keep += [idle, slow, rival, *never_polled]
    with wire_confluent.clients_on(cluster):
        # A pooled consumer built again with another configuration: the cluster closes the
        # first one, its rival in the same group.
        first = confluent_kafka.Consumer(conf("usage"))
        first.subscribe(topics)
        until_assigned(first)
        second = confluent_kafka.Consumer(conf("usage", **{"client.id": "again"}))
        second.subscribe(topics)
    time.sleep(rng.random() * 1.5)
    began = time.monotonic()
    cluster.close()
    return {
        "close_s": round(time.monotonic() - began, 3),
        "abandoned": cluster.abandoned,
        "revoked_in_close": len(in_close),
    }


def rounds(args: argparse.Namespace) -> tuple[int, int, int, list[float]]:
    """Each round in a child process; (hung, closes abandoned, rebalances inside close, times)."""
    hung, abandoned, in_close, times = 0, 0, 0, []
    for number in range(args.rounds):
        command = [
            sys.executable,
            __file__,
            "--child",
            str(number),
            "--close",
            args.close,
        ]
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            hung += 1
            print(f"round {number}: HUNG (killed after {args.timeout:g} s)", flush=True)
            continue
        if done.returncode != 0:
            print(f"round {number}: failed\n{done.stderr}", flush=True)
            raise SystemExit(2)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        abandoned += len(result["abandoned"])
        in_close += result["revoked_in_close"]
        times.append(result["close_s"])
        print(
            f"round {number}: close() {result['close_s']} s, abandoned {result['abandoned']}, "
            f"{result['revoked_in_close']} rebalance callbacks served inside a consumer's close()",
            flush=True,
        )
    return hung, abandoned, in_close, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--close", choices=("leave", "plain"), default="leave")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        import warnings

        warnings.simplefilter(
            "ignore"
        )  # the HarnessWarning of an abandoned close is counted
        print(json.dumps(one_round(args.child, args.close)), flush=True)
        return 0

    spin = [sys.executable, "-c", "while True: pass"]
    busy = [subprocess.Popen(spin) for _ in range(args.busy)]
    try:
        hung, abandoned, in_close, times = rounds(args)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    slowest = max(times) if times else float("nan")
    print(
        f"close={args.close}, {args.busy} busy: {args.rounds} rounds, {hung} hung, {abandoned} closes abandoned, "
        f"{in_close} rebalance callbacks served inside close(), slowest cluster close() {slowest} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
