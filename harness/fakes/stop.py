"""The stop signal that ends an import-time consumer loop run inline by a test.

A legacy consumer loop never returns on its own::

    while True:
        try:
            msg = consumer.poll(1.0)
            ...
        except Exception:
            continue

To run it inside a test, the fake consumers (confluent-kafka and kafka-python shaped alike)
deliver what the test produced and then raise `ConsumerStopped`. It derives from
`BaseException`, like `KeyboardInterrupt` and `SystemExit`, so the `except Exception` that legacy
loops use to survive bad messages cannot swallow it.

Who raises it, and when, is decided by a `DrainPolicy` switched on for the whole broker by
`Broker.stop_when_drained(...)` (see `harness.fakes.kafka_broker`). This module holds only the
signal and the policy so that the thread runner can import them without the broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class StopReason(str, Enum):
    """Why a drained consumer was stopped."""

    DRAINED = "drained"  # nothing left for the consumer after `empty_polls` empty polls
    MAX_MESSAGES = "max_messages"  # the bound on delivered messages was reached


class ConsumerStopped(BaseException):
    """Raised by a fake consumer's `poll()`/`consume()`/iteration to end a consumer loop.

    A `BaseException` on purpose: `except Exception: continue` in the loop must not catch it.
    """

    def __init__(self, reason: StopReason, delivered: int, consumer: str) -> None:
        self.reason = reason
        self.delivered = delivered
        self.consumer = consumer
        super().__init__(
            f"{consumer} stopped ({reason.value}) after delivering {delivered} message(s)"
        )


@dataclass(frozen=True)
class DrainPolicy:
    """When consumers stop while a broker is in drain mode.

    `empty_polls`: a consumer raises `ConsumerStopped` on its n-th poll (or iteration step) that
    finds nothing to deliver; with the default 1, the first empty poll stops the loop. Set it
    higher to let the loop see `None` (the `if msg is None: continue` branch) n-1 times first.
    Events such as end-of-partition errors are delivered, and do not count as empty.

    `max_messages`: after this many records have been delivered (across the consumers of the
    broker, since drain mode was switched on), the next poll raises, even if records remain:
    a loop that re-produces to its own topic still ends. `None` means no bound.
    """

    empty_polls: int = 1
    max_messages: int | None = None

    def __post_init__(self) -> None:
        if self.empty_polls < 1:
            raise ValueError(f"empty_polls must be at least 1, got {self.empty_polls!r}")
        if self.max_messages is not None and self.max_messages < 0:
            raise ValueError(f"max_messages must be None or >= 0, got {self.max_messages!r}")
