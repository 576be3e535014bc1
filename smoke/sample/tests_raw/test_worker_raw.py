"""The worker through the ordered conftest `harness init --template raw --write` generates."""

import pytest


def test_restock_refuses_a_zero_quantity(service):
    with pytest.raises(ValueError, match="positive"):
        service.restock("A1", 0)


def test_the_import_started_no_thread(service):
    assert service.last_refresh == {"count": 0}
