"""Patches a consumer name current.py does not have (it is `consumer`)."""

from unittest.mock import patch

import current


def test_poll_uses_the_consumer():
    with patch.object(current, "kafka_consumer") as consumer:  # expect: LH103
        consumer.poll.return_value = None
