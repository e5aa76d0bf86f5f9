"""Past deliveries in the window: the offer of unfinished ones on launch, View ▸ Delivery
history…, and what Resume and Discard do.

On launch (once the window shows) the state store is read on `HistoryReader`'s thread; the
unfinished deliveries (`store.delivery_history`: not every file judged, not discarded, the newest
attempt) are offered in `UnfinishedBanner` above the table.

Resume first checks, off the GUI thread, that the delivery's folder, label and index are still
there, then lists the archives afresh and selects the one it went to; anything missing is said
in a message naming it and the fix, and nothing is filled in. Otherwise the panel gets the
archive, sample choice, label and index, and the folder is opened, which indexes it and runs
the pre-flight check. The person then presses Start: resuming sends data to an archive, and a
careful person looks at the pre-flight verdict (and the files) first; Start with the same
label, folder and archive resumes from the store (PROTOCOL.md §9, DESIGN.md §3).

Discard asks first, then only marks the delivery discarded in the store: its receipts, its
saved progress and everything in the archive stay as they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from uploader_gui.archive_service import ArchiveChoice
from uploader_gui.core.events import SessionPlanned
from uploader_gui.core.formatting import count_text
from uploader_gui.ui.delivery_dialogs import choice_box
from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.history_dialog import HistoryDialog, OpenUrl
from uploader_gui.ui.history_reader import HistoryReader
from uploader_gui.ui.history_text import folder_name
from uploader_gui.ui.unfinished_banner import UnfinishedBanner

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry
    from uploader_gui.wiring.delivery_session import SessionOptions

log = logging.getLogger(__name__)

DISCARD_TITLE = "Discard this delivery?"
DISCARD_CHOICE, KEEP_CHOICE = "Discard", "Keep it"
CANNOT_RESUME_TITLE = "This delivery cannot be resumed yet"
RUNNING_TEXT = "A delivery is running: stop it (or let it finish) before resuming another."


def discard_text(entry: HistoryEntry) -> str:
    record = entry.summary.record
    return (
        f"{record.dataset} from {record.source_root} will no longer be offered for resuming. "
        "Nothing is deleted: its receipts stay, nothing in the archive is touched, and Start "
        "with the same label and folder still resumes it later."
    )


def resumed_text(entry: HistoryEntry) -> str:
    summary = entry.summary
    left = count_text(summary.files_total - summary.files_judged, "file")
    return (
        f"{summary.record.dataset} from {folder_name(entry)} is filled in. Once the pre-flight "
        f"check passes, press Start to send the rest ({left} not yet delivered)."
    )


def missing_archive_text(entry: HistoryEntry, choice: ArchiveChoice | None) -> str:
    name = entry.summary.record.profile_name
    if choice is not None:  # listed, but its profile file has problems
        return (
            f"The archive profile {choice.profile_path} (“{name}”) cannot be used: "
            f"{choice.problem}. Fix it, or drop a corrected profile file on this window, then "
            "press Resume again."
        )
    return (
        f"The archive “{name}” this delivery went to is not set up any more: no archive "
        "profile by that name is in the app's profiles folder. Drop its profile file (.toml) "
        "on this window to add it again, then press Resume again."
    )


class DeliveryHistory(QObject):
    """The banner (place it above the table), the History action (put it in a menu), and what
    their buttons do (GUI thread only)."""

    def __init__(
        self,
        window: QWidget,
        panel: DeliveryPanel,
        bridge: EngineBridge,
        open_folder: Callable[[str], None],
        *,
        options: SessionOptions | None = None,
        clock: Callable[[], float] = time.time,
        open_url: OpenUrl | None = None,
    ) -> None:
        """`open_folder`: the window's, which indexes a folder as if the person chose it.
        `options`: the window's session options, for the state store's path (None: the app's).
        `clock` (POSIX seconds) says how long ago a delivery stopped; `open_url` opens receipts."""
        super().__init__(window)
        self._window, self._panel, self._open_folder = window, panel, open_folder
        self._clock, self._open_url = clock, open_url
        self.reader = HistoryReader(options.store_path if options else None, self)
        self.banner = UnfinishedBanner()
        self.action = QAction("Delivery &history…", window)
        self.action.setToolTip("Past deliveries with their outcome and receipt")
        self.dialog: HistoryDialog | None = None
        self.boxes: list[QMessageBox] = []  # the open ones, newest last (tests click them)
        self._wants_offer = False
        self.has_offered = False  # the launch's read has come back (offered or not)
        self._waiting_for_archives: HistoryEntry | None = None
        self._in_use: set[int] = set()  # deliveries this window has started since launch
        self.action.triggered.connect(self.show_history)
        self.banner.resumeRequested.connect(self.resume)
        self.banner.discardRequested.connect(self.confirm_discard)
        self.reader.historyRead.connect(self._on_read)
        self.reader.checked.connect(self._on_checked)
        self.reader.discarded.connect(self._on_discarded)
        panel.archives.archivesListed.connect(self._on_archives_listed)
        bridge.sessionPlanned.connect(self._on_planned)
        bridge.sessionEnded.connect(self._on_session_ended)
        QTimer.singleShot(0, self, self.offer_unfinished)  # after the window shows

    # --- what the person does -----------------------------------------------------------------

    @Slot()
    def offer_unfinished(self) -> None:
        """Read the store (off the GUI thread) and offer its unfinished deliveries."""
        self._wants_offer = True
        self.reader.read()

    @Slot()
    def show_history(self) -> None:
        if self.dialog is None:
            self.dialog = HistoryDialog(self._window, open_url=self._open_url)
            self.dialog.resumeRequested.connect(self.resume)
            self.dialog.discardRequested.connect(self.confirm_discard)
        self.dialog.show_reading()
        self.dialog.show()
        self.dialog.raise_()
        self.reader.read()

    @Slot(object)
    def resume(self, entry: HistoryEntry) -> None:
        """Check the delivery's inputs are still there, then fill the window (see the top)."""
        if self._panel.is_delivering:
            self._warn(RUNNING_TEXT)
            return
        self.reader.check(entry)

    @Slot(object)
    def confirm_discard(self, entry: HistoryEntry) -> None:
        def chosen(choice: str) -> None:
            if choice == DISCARD_CHOICE:
                self.reader.discard(entry.summary.key)

        choices = (DISCARD_CHOICE, KEEP_CHOICE)
        # Asked over the History view when Discard was pressed there, so it shows in front.
        dialog = self.dialog
        parent = dialog if dialog is not None and dialog.isVisible() else self._window
        box = choice_box(parent, DISCARD_TITLE, discard_text(entry), choices, KEEP_CHOICE, chosen)
        self._keep(box)

    def shutdown(self) -> None:
        """Close what it opened and join its thread (safe to call twice)."""
        for box in self.boxes:
            box.close()
        if self.dialog is not None:
            self.dialog.close()
        self.reader.shutdown()

    # --- what the worker and the panel report -------------------------------------------------

    @Slot(object, str)
    def _on_read(self, entries: list[HistoryEntry], error: str) -> None:
        if self._wants_offer:
            self._wants_offer, self.has_offered = False, True
            offered = [e for e in entries if e.is_resumable and e.summary.key not in self._in_use]
            if not self._panel.is_delivering:
                self.banner.show_offers(offered, self._clock())
            if error:
                self.banner.show_note(f"The saved deliveries could not be read: {error}")
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.show_entries(entries, error)

    @Slot(object, object)
    def _on_checked(self, entry: HistoryEntry, problems: list[str]) -> None:
        if problems:
            self._cannot_resume(entry, problems)
            return
        self._waiting_for_archives = entry
        self._panel.archives.list_archives()  # afresh: its profile may have been added since

    @Slot(object)
    def _on_archives_listed(self, choices: list[ArchiveChoice]) -> None:
        # Connected after the panel's own slot, so the panel has rebuilt its list by now.
        entry, self._waiting_for_archives = self._waiting_for_archives, None
        if entry is None:
            return
        if self._panel.is_delivering:
            self._warn(RUNNING_TEXT)
            return
        name = entry.summary.record.profile_name
        named = [choice for choice in choices if choice.name == name]
        usable = [choice for choice in named if choice.is_usable]
        if not usable:
            self._cannot_resume(entry, [missing_archive_text(entry, named[0] if named else None)])
            return
        self._fill(entry, choices.index(usable[0]))

    def _fill(self, entry: HistoryEntry, archive_row: int) -> None:
        record, panel = entry.summary.record, self._panel
        if panel.archive_combo.count() > archive_row:
            panel.archive_combo.setCurrentIndex(archive_row)
        panel.sample_checkbox.setChecked(record.transfer_type == "sample")
        panel.set_label_path(record.label_path)
        panel.set_index_path(record.index_path or None)
        self._open_folder(record.source_root)
        self.banner.remove(entry.summary.key)
        self.banner.show_note(resumed_text(entry))
        if self.dialog is not None:
            self.dialog.close()

    @Slot(int, str)
    def _on_discarded(self, delivery_key: int, error: str) -> None:
        if error:
            self._warn(f"The delivery could not be discarded: {error}")
            return
        self.banner.remove(delivery_key)
        if self.dialog is not None:
            self.dialog.mark_discarded(delivery_key)  # at once; the re-read confirms it
        self._refresh_dialog()

    @Slot(object)
    def _on_planned(self, event: SessionPlanned) -> None:
        if event.delivery_key is not None:  # it runs here now: no longer something to offer
            self._in_use.add(event.delivery_key)
            self.banner.remove(event.delivery_key)
        # A delivery runs here now: the offer waits in the history, out of the run's way (and
        # its Resume and Discard keys are free for the run's own buttons).
        self.banner.hide()

    @Slot(object)
    def _on_session_ended(self, event: object) -> None:
        del event
        self._refresh_dialog()  # an open History shows the delivery's new outcome

    def _refresh_dialog(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.reader.read()

    # --- messages -----------------------------------------------------------------------------

    def _cannot_resume(self, entry: HistoryEntry, problems: list[str]) -> None:
        record = entry.summary.record
        intro = f"{record.dataset} from {record.source_root} cannot be resumed yet:"
        self._warn("\n\n".join([intro, *problems]), title=CANNOT_RESUME_TITLE)

    def _warn(self, text: str, *, title: str = CANNOT_RESUME_TITLE) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self._window)
        box.open()
        self._keep(box)

    def _keep(self, box: QMessageBox) -> None:
        self.boxes = [b for b in self.boxes if b.isVisible()]
        self.boxes.append(box)
