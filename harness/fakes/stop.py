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
signals and the policy so that the thread runner can import them without the broker.

Outside an inline run the same loop, called by the test in its own thread (`svc.main()`), would
wait for ever on a drained log: `ConsumerWouldHang` ends it there, by the same rule (see
`Broker.watch_thread`), and the test fails with its message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from harness.locations import display_path


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


# Consecutive empty polls after which a consumer polled outside an inline run (during an import,
# in the test's own thread) is taken for an endless loop: a loop polls on and on, while a single
# poll (to join the group early, to check that nothing came) or a loop that ends after a few empty
# polls still gets its `None`s.
LOOP_EMPTY_POLLS = 20


class ConsumerWouldHang(ConsumerStopped):
    """Raised in the test's own thread by a consumer that keeps waiting on a drained log: a
    consumer loop the test called directly instead of through `legacy.threads.run(...)`.

    A `ConsumerStopped` (a `BaseException`), so the loop's `except Exception` cannot swallow it;
    its message is the one line the test fails with: the legacy line that polled and the fix.
    """

    def __init__(
        self,
        consumer: str,
        delivered: int,
        *,
        frame: Any,
        entry: str,
        empty_polls: int | None,
    ) -> None:
        super().__init__(StopReason.DRAINED, delivered, consumer)
        # The legacy frame that polled (not kept: it holds the loop's consumer): its line, and
        # what tells a loop that caught the stop and polls again from a new call.
        site = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
        self.site = site
        self._loop = (id(frame), site)
        self.entry = entry
        self.empty_polls = empty_polls  # None: the poll would have waited for ever
        where = f"{display_path(site[0])}:{site[1]}" if site else f"a loop reading {consumer}"
        run = f"legacy.threads.run({entry or '<the function you called>'})"
        if empty_polls is None:
            what = "consumes a drained topic in the test's own thread and would wait for ever"
            other = "or give the consumer a timeout"
        else:
            what = (
                f"polls a drained topic in the test's own thread, {empty_polls} empty polls in "
                "a row: a loop that would never end"
            )
            other = "or end the loop when a poll returns nothing"
        message = (
            f"harness: {where} {what}. Fix: run it with {run} (stops when the fakes are "
            f"drained), {other}"
        )
        self.args = (message,)

    def polled_again_by_its_loop(self) -> bool:
        """True when the calling thread polls from the frame and line that got this stop: its
        loop caught it (a bare `except:`, `except BaseException:`) and went round again."""
        from harness.threads import legacy_frame

        frame = legacy_frame()
        site = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
        return self.site is not None and self._loop == (id(frame), site)


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
