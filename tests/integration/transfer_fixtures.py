"""The `deliveries` fixture of the transfer tests, loaded with
`pytest_plugins = ("tests.integration.transfer_fixtures",)`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.transfer_kit import Delivery, MakeDelivery, make_delivery
from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture
def deliveries(local_archive: LocalArchive, tmp_path: Path) -> Iterator[MakeDelivery]:
    """`deliveries(contents, without_checksums=())`: a delivery on the module's archive."""
    made: list[Delivery] = []

    def make(contents: dict[str, bytes], **options: Any) -> Delivery:
        delivery = make_delivery(local_archive, tmp_path / f"d{len(made)}", contents, **options)
        made.append(delivery)
        return delivery

    yield make
    for delivery in made:
        delivery.close()
