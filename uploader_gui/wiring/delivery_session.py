"""A delivery session with its real adapters, on a thread of its own (DESIGN.md §2).

```
session = DeliverySession(profile, DeliveryInput(profile.name, source, label, index), emit=q.put)
session.start()             # the engine thread; the GUI wraps `session.run` in a QThread
session.commands.pause()    # the one command interface (core.engine.commands), any thread
summary = session.wait()    # SessionSummary: outcome, exit status, problems, receipt paths
```

Wiring: `RequestFromFiles` reads the label and the index (or the folder) and holds the local
one-uploader-per-delivery lock; `ArchiveControl` is the control channel; `StoreSession` the
state store; `EngineTransfers` the transfer engine with one boto3 client per worker, made from
the control channel's session and credentials; `ReceiptWriter` writes the receipt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.credentials import RefreshableCredentials

from uploader_gui.bug_hooks import route_thread_bugs
from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.archive_forgot import AskDeliverAgain
from uploader_gui.core.engine.commands import SessionCommands, noting_questions
from uploader_gui.core.engine.lock_wait import LockBackoff
from uploader_gui.core.engine.ports import TransferPort, TransferWiring
from uploader_gui.core.engine.running_session import RunSettings
from uploader_gui.core.engine.session_engine import SessionEngine
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.engine.sign_in_pause import SignInWatch
from uploader_gui.core.events import Event
from uploader_gui.fast.control_lock import AskTakeover
from uploader_gui.store.state_store import StateStore
from uploader_gui.transfer.engine import TransferSettings
from uploader_gui.transfer.transfer_clients import TransferClientFactory, refresh_hook
from uploader_gui.transfer.transfer_context import LocalSource
from uploader_gui.wiring.control_channel import (
    ArchiveControl,
    ControlSettings,
    CredentialsSource,
    static_credentials,
)
from uploader_gui.wiring.delivery_input import RequestFromFiles
from uploader_gui.wiring.receipt_writer import ReceiptWriter
from uploader_gui.wiring.store_port import StoreSession
from uploader_gui.wiring.transfer_port import EngineTransfers


def _ignore(event: Event) -> None:
    del event


@dataclass(frozen=True)
class SessionOptions:
    """How the session runs; every default is the protocol's or the app's."""

    receipt_target: Path | None = None  # a folder or a file path; None: the app's receipts folder
    store_path: Path | None = None  # None: the app's state store
    control: ControlSettings = field(default_factory=ControlSettings)
    run: RunSettings = field(default_factory=RunSettings)
    transfer: TransferSettings = field(default_factory=TransferSettings)
    # Between checks of a lock another delivery holds, while the window waits for it.
    lock_backoff: LockBackoff = field(default_factory=LockBackoff)


class DeliverySession:
    """One session of one delivery with the real adapters; commands from any thread."""

    def __init__(
        self,
        profile: Profile,
        inputs: DeliveryInput,
        *,
        emit: Callable[[Event], None] = _ignore,
        options: SessionOptions | None = None,
        credentials: CredentialsSource = static_credentials,
        ask_takeover: AskTakeover | None = None,
        sign_in: SignInWatch | None = None,
        commands: SessionCommands | None = None,
        ask_deliver_again: AskDeliverAgain | None = None,
    ) -> None:
        """`sign_in`: for a `[cognito]` profile, what tells a stopped run that a new sign-in
        would let it go on (`SignedInCredentials`); the session then pauses and asks.
        `commands`: the caller's, made before the session so commands may come early."""
        self.commands = commands or SessionCommands()
        adapters_emit = noting_questions(self.commands, emit)
        self.options = options or SessionOptions()
        self._profile = profile
        self._store = StateStore(self.options.store_path)
        self._loader = RequestFromFiles(inputs, self._store, emit=adapters_emit)
        self._control = ArchiveControl(
            profile,
            credentials=credentials,
            ask_takeover=ask_takeover,
            emit=adapters_emit,
            settings=self.options.control,
        )
        self._store_port = StoreSession(self._store)
        self.engine = SessionEngine(
            self._loader,
            control=self._control,
            store=self._store_port,
            transfers=self._make_transfers,
            receipts=ReceiptWriter(self._store, self.options.receipt_target),
            emit=emit,
            settings=self.options.run,
            sign_in=sign_in,
            commands=self.commands,
            ask_deliver_again=ask_deliver_again,
        )
        # The transfer port once the transfer began: what a window reads back of the live
        # concurrency and bandwidth limit.
        self.transfers: EngineTransfers | None = None
        self._thread: threading.Thread | None = None
        self._summary: SessionSummary | None = None
        self._done = threading.Event()

    # --- running ---------------------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """The whole session on the calling thread; the store is closed afterwards."""
        try:
            # A bug escaping any thread (a worker, the log writer, the tail) ends it as crashed.
            with route_thread_bugs(self.engine.report_bug):
                self._summary = self.engine.run()
        finally:
            self._loader.release()
            self._store.close()
            self._done.set()
        return self._summary

    def start(self) -> None:
        """Run the session on a new thread (`wait()` for its summary)."""
        if self._thread is not None:
            raise RuntimeError("the session was started already")
        self._thread = threading.Thread(target=self.run, name="delivery-session", daemon=True)
        self._thread.start()

    def wait(self, timeout_s: float | None = None) -> SessionSummary | None:
        """The summary once the session ended; None if it is still running after `timeout_s`."""
        if not self._done.wait(timeout_s):
            return None
        return self._summary

    # --- wiring ----------------------------------------------------------------------------------

    def _make_transfers(self, wiring: TransferWiring) -> TransferPort:
        session = self._control.boto3_session
        request = self._loader.request
        if session is None or request is None:
            raise RuntimeError("the transfer starts only after connecting and reading the files")
        credentials = self._control.botocore_credentials
        refresh = (
            refresh_hook(credentials) if isinstance(credentials, RefreshableCredentials) else None
        )
        self.transfers = EngineTransfers(
            wiring,
            records=self._store_port.delivery_files,
            source=LocalSource(Path(request.source_root)),
            client_factory=TransferClientFactory(session, self._profile),
            settings=self.options.transfer,
            refresh_credentials=refresh,
        )
        return self.transfers
