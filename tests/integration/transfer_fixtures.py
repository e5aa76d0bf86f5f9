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
def put_path() -> str:
    """How small files' PUTs are sent: "lean" (the default) unless a test is parametrized
    over both request paths with `BOTH_PUT_PATHS`."""
    return "lean"


@pytest.fixture
def deliveries(
    local_archive: LocalArchive, tmp_path: Path, put_path: str
) -> Iterator[MakeDelivery]:
    """`deliveries(contents, without_checksums=())`: a delivery on the module's archive, whose
    engines send small files by `put_path`."""
    made: list[Delivery] = []

    def make(contents: dict[str, bytes], **options: Any) -> Delivery:
        delivery = make_delivery(local_archive, tmp_path / f"d{len(made)}", contents, **options)
        delivery.put_path = put_path
        made.append(delivery)
        return delivery

    yield make
    for delivery in made:
        delivery.close()
