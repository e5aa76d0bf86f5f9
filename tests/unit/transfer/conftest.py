"""The `deliveries` fixture of the transfer engine's unit tests (`engine_kit`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.transfer.engine_kit import Delivery, MakeDelivery, make_delivery


@pytest.fixture
def deliveries(tmp_path: Path) -> Iterator[MakeDelivery]:
    """`deliveries(contents, without_checksums=(), wrong_checksums=())`: a fresh delivery."""
    made: list[Delivery] = []

    def make(contents: dict[str, bytes], **options: Any) -> Delivery:
        delivery = make_delivery(tmp_path / f"d{len(made)}", contents, **options)
        made.append(delivery)
        return delivery

    yield make
    for delivery in made:
        delivery.store.close()
