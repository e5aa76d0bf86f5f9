"""The window when the network goes: a delivery reaching the archive through a loopback TCP proxy
that refuses every connection shows the offline banner (with the next try counting down and
Retry now), keeps the files waiting instead of failing them, and carries on by itself once the
proxy forwards again."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS, drop_folder, make_tree
from tests.gui.delivery_run_kit import (
    DEMO_FILES,
    DEMO_LABEL,
    QUICK_POLLS_S,
    RUN_TIMEOUT_MS,
    SharedArchiveHandle,
    messages,
    states,
    wait_until_transferring,
)
from tests.tcp_cut import Cut, TcpCutter
from uploader_gui.core.events import ArchiveUnreachable
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.transfer.transfer_clients import TRANSFER_READ_TIMEOUT_S
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.offline_banner import HEADLINE, OfflineBanner, countdown_text
from uploader_gui.wiring.session_setup import session_options

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory

BIG_FILE = "images/a.fits"
AFTER_CUT_MS = (TRANSFER_READ_TIMEOUT_S + 60) * 1000
FILES = {**DEMO_FILES, BIG_FILE: b"x" * 600_000}


class ProxiedHandle(SharedArchiveHandle):
    """The window's local archive, reached through `cutter`."""

    def __init__(self, archive: LocalArchive, cutter: TcpCutter) -> None:
        super().__init__(archive, None)
        self.profile = dataclasses.replace(self.profile, endpoint_url=cutter.url)
        self.endpoint_url = cutter.url


@pytest.fixture
def cutter(archive_factory: Callable[..., LocalArchive]) -> Iterator[TcpCutter]:
    archive = archive_factory()
    host, port = archive.endpoint_url.removeprefix("http://").rsplit(":", 1)
    proxy = TcpCutter(host, int(port))
    proxy.archive = archive  # type: ignore[attr-defined]
    yield proxy
    proxy.close()


def test_a_lost_network_shows_the_offline_banner_and_the_delivery_carries_on(
    qtbot: QtBot,
    delivery_window_factory: Callable[..., MainWindow],
    cutter: TcpCutter,
    tmp_path: Path,
) -> None:
    archive: LocalArchive = cutter.archive  # type: ignore[attr-defined]
    window = delivery_window_factory(
        start_local_archive=lambda: ProxiedHandle(archive, cutter),
        session_options=session_options(
            poll_every_s=QUICK_POLLS_S, bandwidth_limit_bytes_per_s=200_000.0
        ),
    )
    drop_folder(window, make_tree(tmp_path / "data", FILES))
    window.delivery_panel.set_label_path(str(DEMO_LABEL))
    qtbot.waitUntil(window.delivery_panel.start_button.isEnabled, timeout=INDEX_TIMEOUT_MS)
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    banner = window.offline_banner
    assert not banner.isVisible()

    cutter.cut(Cut.REFUSE)
    qtbot.waitUntil(banner.isVisible, timeout=RUN_TIMEOUT_MS)
    assert banner.headline.accessibleName() == HEADLINE
    assert banner.countdown.text()
    bar = window.transfer_bar
    qtbot.waitUntil(
        lambda: bar.state_label.text().startswith("Waiting for the network"),
        timeout=RUN_TIMEOUT_MS,
    )
    # The file being sent waits for the network; it is not failed.
    qtbot.waitUntil(lambda: states(window)[BIG_FILE] == "retrying", timeout=RUN_TIMEOUT_MS)
    assert "failed" not in states(window).values()

    # Retry now, still cut: the banner says it is trying, and the failed try brings the
    # countdown back with the button.
    banner.retry_button.click()
    assert banner.countdown.text() == "Trying the archive now…"
    assert not banner.retry_button.isEnabled()
    qtbot.waitUntil(banner.retry_button.isEnabled, timeout=RUN_TIMEOUT_MS)
    assert banner.isVisible()

    cutter.restore()
    banner.retry_button.click()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=RUN_TIMEOUT_MS)
    try:
        # Up to the transfer's read timeout and a retry: a request caught mid-flight by the
        # cut can hang on a connection the proxy half-closed until that timeout ends it.
        qtbot.waitUntil(lambda: set(states(window).values()) == {"valid"}, timeout=AFTER_CUT_MS)
    except WaitTimedOut as exc:  # say where each file stood
        shown = f"{bar.state_label.text()}; {states(window)}; {messages(window)}"
        raise AssertionError(f"not every file became valid: {shown}") from exc
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert not banner.isVisible()


def test_the_countdown_counts_down_on_its_clock_and_retry_now_says_it_is_trying(
    qtbot: QtBot,
) -> None:
    now = [50.0]
    banner = OfflineBanner(clock=lambda: now[0])
    qtbot.addWidget(banner)
    banner.show()
    banner.hide()
    clicks: list[bool] = []
    banner.retryNowRequested.connect(lambda: clicks.append(True))

    banner.show_reachability(ArchiveUnreachable("connection refused", 16.0))
    assert banner.isVisible()
    assert banner.countdown.text() == "Trying again in 16 s. Nothing sent is lost."
    assert "connection refused" in banner.toolTip()
    now[0] += 10
    banner.timer.timeout.emit()
    assert banner.countdown.text() == "Trying again in 6 s. Nothing sent is lost."
    now[0] += 6
    banner.timer.timeout.emit()
    assert banner.countdown.text() == "Trying the archive now…"

    banner.show_reachability(ArchiveUnreachable("connection refused", 90.0))
    assert banner.countdown.text() == "Trying again in 1 min 30 s. Nothing sent is lost."
    banner.retry_button.click()
    assert clicks == [True]
    assert not banner.retry_button.isEnabled()
    assert banner.countdown.text() == countdown_text(0, is_trying=True)
