"""The main window: choose or drop a folder, watch it being indexed, see every file in a table.

Above the table, the delivery panel's steps: the archive (the built-in local archive by
default), the label and optional index, the folder, and the pre-flight verdict with Start.
The menus are `WindowMenus`'; the layout and its keeping between runs `WindowGeometry`'s.

The window only decides and displays. Looking at a path happens on `PathProbe`'s thread,
indexing on `IndexRunner`'s threads, and their events reach the table through `EngineBridge` in
batches (DESIGN.md §2): the GUI thread touches no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, Qt, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.archive_service import LocalArchiveStarter
from uploader_gui.core.delivery.folder_index import FolderIndex, IndexOptions, build_folder_index
from uploader_gui.core.delivery.profile_import import is_profile_file
from uploader_gui.core.events import IndexProgressed, SessionCrashed
from uploader_gui.ui.about_box import AboutBox
from uploader_gui.ui.archive_reset import ArchiveReset
from uploader_gui.ui.delivery_comfort import ComfortPorts, DeliveryComfort
from uploader_gui.ui.delivery_dialogs import WINDOW_CRASH_TEXT, WINDOW_CRASH_TITLE, crash_box
from uploader_gui.ui.delivery_history import DeliveryHistory
from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.delivery_view import DeliveryView
from uploader_gui.ui.engine_bridge import EngineBridge, IndexFailed, IndexSummary
from uploader_gui.ui.file_details_pane import FileDetailsView, ReadDetails
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_filter_bar import FileFilterBar
from uploader_gui.ui.file_table_model import FileTableModel
from uploader_gui.ui.file_table_view import build_file_table
from uploader_gui.ui.folder_drop import refusal_text, single_local_path
from uploader_gui.ui.index_worker import IndexFolder, IndexRunner
from uploader_gui.ui.offline_banner import OfflineBanner
from uploader_gui.ui.path_probe import PathKind, PathProbe
from uploader_gui.ui.preflight_worker import DeliveryCheck, check_delivery
from uploader_gui.ui.profile_importer import ProfileImporter
from uploader_gui.ui.skipped_dialog import SkippedDialog
from uploader_gui.ui.status_area import StatusArea
from uploader_gui.ui.support_bundle_saver import saved_text
from uploader_gui.ui.transfer_bar import TransferBar
from uploader_gui.ui.window_geometry import WindowGeometry, keep_table_rows, split_layout
from uploader_gui.ui.window_menus import WindowMenus, window_commands

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_session import SessionOptions

APP_TITLE = "FAST Uploader"
PLACEHOLDER_TEXT = "Drop a folder here or choose one"
_PAGE_PLACEHOLDER, _PAGE_TABLE = 0, 1


class MainWindow(QMainWindow):
    """The first window: folder in, table of files out."""

    def __init__(
        self,
        *,
        index_options: IndexOptions | None = None,
        index_folder: IndexFolder = build_folder_index,
        start_local_archive: LocalArchiveStarter | None = None,
        check: DeliveryCheck = check_delivery,
        session_options: SessionOptions | None = None,
        read_details: ReadDetails | None = None,
        comfort_ports: ComfortPorts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`start_local_archive` (run on a worker thread once the window shows) makes the
        built-in local archive available; without it the archive is listed as not running.
        `session_options`: how deliveries run (tests shorten the protocol's poll intervals).
        `read_details`: reads a file's details from the state store (tests hold it back).
        `comfort_ports`: notifications, keep-awake and settings (tests observe them)."""
        super().__init__(parent)
        self.folder: str | None = None
        self.folder_index: FolderIndex | None = None  # the last finished index, for uploading
        self.skipped_dialog: SkippedDialog | None = None
        self.crash_boxes: list[QMessageBox] = []
        self._open_request_id = 0
        self._drag_request_id = 0
        self._drag_kind: str | None = None
        self.model = FileTableModel(self)
        self.proxy = FileFilterProxy(self.model, self)  # what the table shows: map rows through it
        self.bridge = EngineBridge(self.model, self)
        self.runner = IndexRunner(self.bridge, index_options, self, index_folder=index_folder)
        self.probe = PathProbe(self)
        self.profile_importer = ProfileImporter(self)
        self.delivery_panel = DeliveryPanel(
            self, start_local_archive=start_local_archive, check=check
        )
        self.transfer_bar = TransferBar()
        self.offline_banner = OfflineBanner()
        self.history = DeliveryHistory(  # offers unfinished deliveries once the window shows
            self, self.delivery_panel, self.bridge, self.open_folder, options=session_options
        )
        self._build_widgets()
        self.delivery = DeliveryView(
            self,
            self.delivery_panel,
            self.transfer_bar,
            self.bridge,
            self.model,
            options=session_options,
            folder_listing=lambda: self.folder_index,
        )
        self.details = FileDetailsView(
            self,
            self.table,
            self.proxy,
            self.model,
            self.bridge,
            store_path=session_options.store_path if session_options else None,
            read_details=read_details,
        )
        self.menus = WindowMenus(self, window_commands(self))
        self.help_menu, self.about_action = self.menus.help_menu, self.menus.about_action
        self.comfort = DeliveryComfort(self, self.delivery, self.bridge, ports=comfort_ports)
        self.menus.add_file_actions([self.comfort.settings_action])
        self.menus.add_delivery_actions([self.history.action])
        self.archive_reset = ArchiveReset(self)  # File ▸ Reset local archive…
        self._connect()
        self.setAcceptDrops(True)
        self.setWindowTitle(APP_TITLE)
        self.resize(960, 600)
        self.layout_keeper = WindowGeometry(self, self.table.horizontalHeader(), self.splitter)
        self.layout_keeper.restore()

    # --- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.choose_button = self.delivery_panel.folder_button  # step 3 of the panel
        self.folder_label = self.delivery_panel.folder_text
        self.placeholder = QLabel(
            f"{PLACEHOLDER_TEXT}\n\n(drag it onto this window, or press Ctrl+O)"
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAccessibleName(PLACEHOLDER_TEXT)
        # The window's text colour: palette(mid) read at under 2:1, and this is the first step.
        self.placeholder.setStyleSheet("QLabel { font-size: 16pt; }")
        self.table = build_file_table(self.proxy)
        self.filter_bar = FileFilterBar(self.model, self.proxy)
        self.table_page = QWidget()
        table_layout = QVBoxLayout(self.table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.filter_bar)
        table_layout.addWidget(self.table, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self.table_page)
        keep_table_rows(self.pages, self.table)  # short screens: the steps scroll instead
        strip = (self.history.banner, self.transfer_bar, self.offline_banner)
        self.splitter, self.steps_scroll = split_layout(self.delivery_panel, strip, self.pages)
        self.setCentralWidget(self.splitter)
        self.status_area = StatusArea()
        self.statusBar().addPermanentWidget(self.status_area, 1)
        self.about_box: AboutBox | None = None

    def _connect(self) -> None:
        self.delivery_panel.folderRequested.connect(self.choose_folder)
        self.delivery_panel.noticeShown.connect(self.status_area.show_message)
        self.delivery.bundle_saver.saved.connect(self._on_bundle_saved)
        self.probe.probed.connect(self._on_probed)
        self.bridge.indexStarted.connect(self._on_index_started)
        self.bridge.indexProgressed.connect(self._on_index_progressed)
        self.bridge.indexFinished.connect(self._on_index_finished)
        self.bridge.indexFailed.connect(self._on_index_failed)
        self.bridge.indexCancelled.connect(self._on_index_cancelled)
        self.bridge.skippedChanged.connect(self.status_area.set_skipped_count)
        self.status_area.stopRequested.connect(self.stop_indexing)
        self.profile_importer.imported.connect(self._on_profile_imported)
        self.profile_importer.refused.connect(self._on_profile_refused)
        self.status_area.skippedRequested.connect(self.show_skipped)
        self.bridge.reachabilityChanged.connect(self.offline_banner.show_reachability)
        self.bridge.sessionEnded.connect(self.offline_banner.end)
        self.offline_banner.retryNowRequested.connect(self.delivery.retry_now)

    # --- what the person does -----------------------------------------------------------------

    @Slot()
    def show_about(self) -> None:
        """Help ▸ About: the version, in a box that does not block the window."""
        if self.about_box is None:
            self.about_box = AboutBox(self)
        self.about_box.show()
        self.about_box.raise_()

    @Slot()
    def choose_folder(self) -> None:
        start_dir = self.folder or QDir.homePath()
        path = QFileDialog.getExistingDirectory(self, "Choose the folder to deliver", start_dir)
        self.open_folder(path)

    @Slot(str)
    def open_folder(self, path: str) -> None:
        """Index `path` if it turns out to be a folder; "" (a cancelled dialog) does nothing."""
        if not path:
            return
        if self.delivery.is_running:
            self.status_area.show_message(
                "A delivery is running: stop it to choose another folder."
            )
            return
        self._open_request_id = self.probe.probe(path)
        self.status_area.show_waiting(f"Looking at “{path}”…")

    @Slot()
    def stop_indexing(self) -> None:
        if self.runner.is_running:
            self.runner.cancel()
            self.status_area.show_waiting("Stopping…")

    @Slot()
    def show_skipped(self) -> None:
        if self.skipped_dialog is not None:
            self.skipped_dialog.close()
        self.skipped_dialog = SkippedDialog(self.bridge.skipped, self)
        self.skipped_dialog.show()

    # --- drag and drop (URLs only; the path's type is looked at on the probe's thread) --------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        path, reason = single_local_path(event.mimeData())
        if path is not None and is_profile_file(path):  # an archive's profile: added on drop
            self._drag_kind = PathKind.FILE
            event.acceptProposedAction()
            return
        if path is None:
            event.ignore()
            self.status_area.show_message(reason)
            return
        self._drag_kind = None
        self._drag_request_id = self.probe.probe(path)
        event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        path, _ = single_local_path(event.mimeData())
        if path is not None and is_profile_file(path):
            event.acceptProposedAction()
        elif self._drag_kind not in (None, PathKind.DIRECTORY):
            event.ignore()
        else:
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._drag_request_id, self._drag_kind = 0, None
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        path, reason = single_local_path(event.mimeData())
        if path is not None and is_profile_file(path):
            self._drag_request_id, self._drag_kind = 0, None
            event.acceptProposedAction()
            self.import_profile(path)
            return
        if path is None or self._drag_kind not in (None, PathKind.DIRECTORY):
            event.ignore()
            if path is None:
                self.status_area.show_message(reason)
            return
        self._drag_request_id, self._drag_kind = 0, None
        event.acceptProposedAction()
        self.open_folder(path)

    # --- connection profiles and later launches ----------------------------------------------

    @Slot(str)
    def import_profile(self, path: str) -> None:
        """Add an archive's profile file (checked on the importer's thread)."""
        self.status_area.show_waiting(f"Adding the archive profile “{Path(path).name}”…")
        self.profile_importer.import_file(path)

    @Slot(list)
    def open_arguments(self, arguments: list[str]) -> None:
        """A later launch's arguments (or this one's): profile files are added, then the
        window comes to the front."""
        for argument in arguments:
            if is_profile_file(argument):
                self.import_profile(argument)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(str, str)
    def _on_profile_imported(self, profile_path: str, message: str) -> None:
        self.delivery_panel.select_profile_file(Path(profile_path))
        self.status_area.show_message(message)

    @Slot(str)
    def _on_profile_refused(self, message: str) -> None:
        self.status_area.show_message(message, detail=message)

    # --- what the workers report --------------------------------------------------------------

    @Slot(int, str, str, str)
    def _on_probed(self, request_id: int, path: str, kind: str, detail: str) -> None:
        if request_id == self._drag_request_id:
            self._drag_kind = kind
            if kind != PathKind.DIRECTORY:
                self.status_area.show_message(refusal_text(path, kind, detail))
        if request_id != self._open_request_id:
            return
        self._open_request_id = 0
        if kind == PathKind.DIRECTORY:
            self._start_indexing(path)
        else:
            self.status_area.show_message(refusal_text(path, kind, detail))

    def _start_indexing(self, path: str) -> None:
        self.folder, self.folder_index = path, None
        if self.skipped_dialog is not None:
            self.skipped_dialog.close()
            self.skipped_dialog = None
        self.runner.start(path)
        self.delivery_panel.set_folder(path)
        self.setWindowTitle(Path(path).name or path)
        self.pages.setCurrentIndex(_PAGE_TABLE)
        self.status_area.show_waiting(f"Indexing “{Path(path).name or path}”…")

    @Slot(str)
    def _on_index_started(self, root: str) -> None:
        self.status_area.show_waiting(f"Listing “{Path(root).name or root}”…")

    @Slot(object)
    def _on_index_progressed(self, event: IndexProgressed) -> None:
        self.status_area.show_progress(event)

    @Slot(object)
    def _on_index_finished(self, summary: IndexSummary) -> None:
        self.folder_index = summary.folder_index
        self.status_area.show_summary(summary)

    @Slot(object)
    def _on_index_failed(self, failure: IndexFailed) -> None:
        prefix = "Indexing stopped by an internal error" if failure.is_bug else "Cannot index"
        self.status_area.show_message(f"{prefix}: {failure.message}", detail=failure.message)

    @Slot(str)
    def _on_index_cancelled(self, root: str) -> None:
        self.status_area.show_message(
            f"Indexing of “{Path(root).name or root}” stopped. Choose or drop a folder to start."
        )

    @Slot(str)
    def _on_bundle_saved(self, path: str) -> None:
        self.status_area.show_message(saved_text(path))  # also when saved from Help

    @Slot(object)
    def show_crash(self, crash: SessionCrashed) -> None:
        """A bug on the GUI thread (see `CrashReporter`): say so, with details to copy."""
        self.crash_boxes = [box for box in self.crash_boxes if box.isVisible()]
        self.crash_boxes.append(
            crash_box(self, crash, title=WINDOW_CRASH_TITLE, consequence=WINDOW_CRASH_TEXT)
        )

    # --- closing ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel and join every worker thread before Qt destroys them (safe to call twice)."""
        self.layout_keeper.save()  # the next window opens as this one was left
        self.delivery.shutdown()
        self.comfort.shutdown()
        self.history.shutdown()
        self.details.shutdown()
        self.runner.shutdown()
        self.bridge.stop()
        self.probe.shutdown()
        self.profile_importer.shutdown()
        self.delivery_panel.shutdown()
        if self.skipped_dialog is not None:
            self.skipped_dialog.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.delivery.ask_to_close():
            event.ignore()  # asked; the window closes once the delivery has stopped
            return
        self.shutdown()
        super().closeEvent(event)
