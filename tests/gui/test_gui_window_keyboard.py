"""The window from the keyboard and for a screen reader: the steps in order with focus on the
first one to do, menus with standard shortcuts, a unique mnemonic on every button and caption,
captions tied to their fields, and a name on every control."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS, WindowFactory, drop_folder, make_tree
from tests.gui.delivery_run_kit import DEMO_LABEL, RUN_TIMEOUT_MS, ready_window
from tests.gui.test_gui_delivery_run import started_slow_delivery
from tests.gui.window_walk import (
    action_texts,
    buttons_without_a_key,
    clashes,
    find_action,
    menu_clashes,
    menu_of,
    unnamed_controls,
    visible,
    window_mnemonics,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import SessionEnded
from uploader_gui.core.state_groups import StateGroup
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.delivery_history import DeliverySummary
from uploader_gui.store.records import DeliveryRecord
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.wiring.delivery_history import HistoryEntry

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
ArchiveFactory = Callable[..., LocalArchive]
STOPPED_AT = "2026-12-03T08:50:00.000+00:00"
ENDED_WITH_EVERYTHING = SessionEnded(
    outcome="with_problems",
    state="complete",
    message="1 invalid, 1 failed",
    files_total=4,
    files_valid=2,
    files_invalid=1,
    files_failed=1,
    exit_status=1,
    receipt_paths=("/tmp/receipts/demo-0001.json",),
)


class OpenedUrls(QObject):
    """Qt's own hook for a URL scheme: what the desktop would have been asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def assert_keyboard_ready(window: MainWindow) -> None:
    users = window_mnemonics(window)
    assert clashes(users) == {}, "two visible controls share a mnemonic"
    assert buttons_without_a_key(window) == []
    assert unnamed_controls(visible(window, QWidget)) == []


# --- the steps and the first focus -------------------------------------------------------------


def test_the_steps_are_numbered_in_order_and_tab_follows_them(
    window_factory: WindowFactory,
) -> None:
    panel = window_factory().delivery_panel
    numbered = [c.text() for c in panel.captions if c.text()[:2] in ("&1", "&2", "&3", "&4")]
    assert numbered == ["&1 Archive:", "&2 Label:", "&3 Folder:", "&4 Check:"]
    order = [panel.archive_combo, panel.label_button, panel.index_button, panel.folder_button]
    for first, second in itertools.pairwise(order):
        assert first.nextInFocusChain() is second
    tops = [w.mapTo(panel, w.rect().topLeft()).y() for w in order[1:]]  # index shares step 2
    assert tops == sorted(tops), "the steps read top to bottom in their order"
    assert panel.archive_combo.y() < tops[0]


def test_focus_starts_on_the_first_step_not_done(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = window_factory()  # first run: the local archive is chosen already
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: window.focusWidget() is panel.label_button)
    assert panel.archive_combo.currentText().startswith("Local archive (on this computer)")
    panel.set_label_path(str(DEMO_LABEL))
    panel.focus_first_step()
    assert window.focusWidget() is panel.folder_button


def test_once_every_step_is_done_focus_is_on_start(
    qtbot: QtBot, window_factory: WindowFactory, archive_factory: ArchiveFactory, tmp_path: Path
) -> None:
    window = ready_window(qtbot, window_factory, archive_factory(), tmp_path / "data")
    panel = window.delivery_panel
    assert panel.folder_text.text() == str(tmp_path / "data")
    panel.focus_first_step()
    assert window.focusWidget() is panel.start_button


def test_the_label_step_says_what_a_label_is_and_opens_the_example(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    panel = window_factory().delivery_panel
    text = panel.label_help.text()
    assert "description file (YAML)" in text
    assert "archive's team" in text
    assert panel.label_help.isVisible()
    opened = OpenedUrls()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        panel.label_help.linkActivated.emit("example-label")  # what a click on the link does
    finally:
        QDesktopServices.unsetUrlHandler("file")
    (url,) = opened.urls
    assert Path(url.toLocalFile()) == DEMO_LABEL.resolve()


def test_the_folder_step_is_the_windows_choose_folder(window_factory: WindowFactory) -> None:
    window = window_factory()
    assert window.choose_button is window.delivery_panel.folder_button
    assert window.menus.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.menus.open_action in window.actions()  # Ctrl+O without opening the menu


# --- menus ------------------------------------------------------------------------------------


def test_the_menus_hold_every_command_with_standard_shortcuts(
    window_factory: WindowFactory,
) -> None:
    window = window_factory()
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Delivery", "&View", "&Help"]
    file_menu = menu_of(window, "&File")
    assert action_texts(file_menu) == [
        "Choose &folder…",
        "Choose &label…",
        "Choose &index…",
        "&Settings…",
        "&Reset local archive…",
        "&Quit",
    ]
    assert find_action(file_menu, "&Quit").shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    delivery = menu_of(window, "&Delivery")
    assert action_texts(delivery) == [
        "&Start",
        "&Pause",
        "St&op",
        "&Cancel…",
        "Delivery &history…",
    ]
    view = menu_of(window, "&View")
    assert action_texts(view) == ["&File details", "&Search paths"]
    search = window.filter_bar.find_action
    assert search in view.actions()
    assert search.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert action_texts(menu_of(window, "&Help")) == [
        "Save support &bundle…",
        "&About FAST Uploader",
    ]
    for menu in window.menus.menus():
        assert menu_clashes(menu) == {}, menu.title()


def test_delivery_actions_are_enabled_exactly_when_their_buttons_are(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()

    def check(window: MainWindow) -> None:
        menus = window.menus
        menus.sync_delivery_actions()  # as when the menu opens
        panel, bar = window.delivery_panel, window.transfer_bar
        pairs = [
            (menus.start_action, panel.start_button),
            (menus.pause_action, bar.pause_button),
            (menus.stop_action, bar.stop_button),
            (menus.cancel_action, bar.cancel_button),
        ]
        for action, button in pairs:
            assert action.isEnabled() == button.isEnabled(), action.text()
        assert menus.pause_action.text() == bar.pause_button.text()

    fresh = delivery_window_factory()
    check(fresh)
    assert not fresh.menus.start_action.isEnabled()
    window = started_slow_delivery(qtbot, delivery_window_factory, archive, tmp_path / "data")
    check(window)
    assert window.menus.pause_action.isEnabled()
    window.menus.pause_action.trigger()  # the menu's Pause is the button's
    qtbot.waitUntil(lambda: window.transfer_bar.is_paused, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(window.transfer_bar.pause_button.isEnabled, timeout=RUN_TIMEOUT_MS)
    check(window)
    assert window.menus.pause_action.text() == "Res&ume"
    window.menus.stop_action.trigger()
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    check(window)
    assert not window.menus.stop_action.isEnabled()
    assert window.menus.start_action.isEnabled()  # Start again resumes


def test_help_saves_a_support_bundle_and_says_where(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    target = tmp_path / "bundle.zip"
    window.delivery.bundle_saver.chooser = lambda parent, suggested: str(target)
    with qtbot.waitSignal(window.delivery.bundle_saver.saved, timeout=RUN_TIMEOUT_MS):
        window.menus.bundle_action.trigger()
    assert target.is_file()
    qtbot.waitUntil(lambda: str(target) in window.status_area.message_label.text())


# --- mnemonics, buddies, names ---------------------------------------------------------------


def test_every_visible_control_has_a_unique_key_and_a_name_in_each_state(
    qtbot: QtBot,
    window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = ready_window(qtbot, window_factory, archive, tmp_path / "data")
    assert_keyboard_ready(window)  # steps done, table and filters shown
    window.table.selectRow(0)
    qtbot.waitUntil(window.details.dock.isVisible)
    window.delivery_panel.set_index_path(str(tmp_path / "index.csv"))  # Build from folder shows
    qtbot.waitUntil(window.delivery_panel.clear_index_button.isVisible)
    row = window.delivery_panel.sign_in_row  # as for a [cognito] archive, waiting for sign-in
    row.show()
    row.cancel_button.show()
    window.transfer_bar.begin()  # a run's buttons
    window.offline_banner.show()
    window.status_area.set_skipped_count(3)
    assert_keyboard_ready(window)
    window.offline_banner.hide()
    window.transfer_bar.show_end(ENDED_WITH_EVERYTHING)  # every next step of the summary
    assert window.transfer_bar.end_summary.receipt_button.isVisible()
    assert_keyboard_ready(window)
    row.hide()  # a sign-in is asked for while a session starts, never beside its end
    lock_row = window.transfer_bar.end_summary.lock_wait_row  # an archive busy, and waiting
    lock_row.show()
    lock_row.cancel_button.show()
    assert_keyboard_ready(window)


def test_the_unfinished_delivery_offer_has_its_own_keys(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    drop_folder(window, make_tree(tmp_path / "data", {"a.txt": b"a"}))
    window.delivery_panel.set_index_path(str(tmp_path / "index.csv"))  # Build from folder shows
    window.delivery_panel.sign_in_row.show()  # a [cognito] archive, before a run
    window.status_area.set_skipped_count(3)
    window.history.banner.show_offers([unfinished(1), unfinished(2)], now_s=0.0)  # on launch
    qtbot.waitUntil(window.history.banner.isVisible)
    assert len(window.history.banner.rows) == 1  # one Resume, one Discard; the rest in History
    assert_keyboard_ready(window)


def unfinished(key: int) -> HistoryEntry:
    record = DeliveryRecord(
        key, "Local archive", "demo_set", f"000{key}", "staging", "/data/run", "/l.yaml", "",
        "a", "transferring", "", STOPPED_AT, STOPPED_AT, None,
    )  # fmt: skip
    counts = MappingProxyType({FileState.VALID: 1, FileState.READY: 3})
    return HistoryEntry(DeliverySummary(record, counts, STOPPED_AT), is_resumable=True)


def test_the_settings_and_history_dialogs_have_a_key_and_a_name_for_every_control(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory()
    window.comfort.settings_action.trigger()
    settings = window.comfort.settings_dialog
    assert settings is not None
    qtbot.waitUntil(settings.isVisible)
    assert_dialog_keyboard_ready(settings)
    assert {c.text(): c.buddy() for c in settings.findChildren(QLabel) if c.buddy()} == {
        "Files sent at &once:": settings.concurrency_spin,
        "&Bandwidth limit:": settings.bandwidth_spin,
        "&Receipt folder:": settings.receipt_edit,
    }
    settings.reject()
    window.history.action.trigger()
    history = window.history.dialog
    assert history is not None
    qtbot.waitUntil(history.isVisible)
    assert_dialog_keyboard_ready(history)


def assert_dialog_keyboard_ready(dialog: QWidget) -> None:
    assert clashes(window_mnemonics(dialog)) == {}, dialog.windowTitle()
    assert buttons_without_a_key(dialog) == [], dialog.windowTitle()
    assert unnamed_controls(visible(dialog, QWidget)) == [], dialog.windowTitle()


def test_the_window_walk_finds_a_clash_and_a_button_without_a_key(
    window_factory: WindowFactory,
) -> None:
    window = window_factory()
    panel = window.delivery_panel
    panel.sample_checkbox.setText("&Label it a sample")  # as Choose &label…
    assert "l" in clashes(window_mnemonics(window))
    panel.start_button.setText("Start")
    assert "Start" in buttons_without_a_key(window)


def test_captions_name_their_fields(window_factory: WindowFactory) -> None:
    panel = window_factory().delivery_panel
    buddies = {c.text(): c.buddy() for c in panel.captions if c.text()}
    assert buddies == {
        "&1 Archive:": panel.archive_combo,
        "&2 Label:": panel.label_button,
        "Index (optional):": panel.index_button,
        "&3 Folder:": panel.folder_button,
        "&4 Check:": panel.start_button,
    }
    assert panel.archive_combo.accessibleName() == "Archive"


def test_the_filters_answer_ctrl_and_their_number(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    buttons = window.filter_bar.buttons
    keys = [button.shortcut().toString() for button in buttons.values()]
    assert keys == ["Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5"]
    for button, key in zip(buttons.values(), keys, strict=True):
        assert key in button.toolTip()
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(window, make_tree(tmp_path / "data", {"a.txt": b"a"}))
    window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.proxy.group is StateGroup.PROBLEMS)  # an animated click
    assert buttons[StateGroup.PROBLEMS].isChecked()
    assert window.proxy.rowCount() == 0  # a ready file is no problem
