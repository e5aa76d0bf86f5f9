"""The delivery panel's sign-in row for a `[cognito]` archive: "Signed in as X" or "Not signed
in", Sign in (the browser sign-in, opened with the desktop's URL handler), Cancel while waiting,
and Sign out (removes the kept refresh token from the keychain).

Every sign-in step talks to the network or the keychain, and the sign-in code brings botocore
(about a second to import), so all of it, from making the profile's `ProfileSignIn` on, runs on
this row's worker thread; results come back as queued signals. For the local archive (static
keys) the row hides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.errors import UploaderError

if TYPE_CHECKING:
    # botocore comes with the sign-in code: loaded on first use, so the window shows at once.
    from uploader_gui.auth.hosted_ui import SignIn
    from uploader_gui.auth.profile_sign_in import ProfileSignIn

log = logging.getLogger(__name__)

NOT_SIGNED_IN_TEXT = "Not signed in"
CHECKING_TEXT = "Checking the kept sign-in…"
WAITING_TEXT = "Waiting for the browser… (sign in there, or Cancel)"
AuthFactory = Callable[[Profile], "ProfileSignIn"]


def default_auth(profile: Profile) -> ProfileSignIn:
    from uploader_gui.auth.profile_sign_in import ProfileSignIn
    from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore

    return ProfileSignIn(
        profile,
        store=RefreshTokenStore(),
        accounts=KnownAccounts(app_dirs().config_dir / "accounts.json"),
    )


def open_in_desktop_browser(url: str) -> bool:
    return bool(QDesktopServices.openUrl(QUrl(url)))


def signed_in_text(account: str | None) -> str:
    return f"Signed in as {account}" if account else NOT_SIGNED_IN_TEXT


class SignInRow(QWidget):
    """GUI-thread API; `auth` is the profile's ProfileSignIn, shared with a delivery later."""

    statusReported = Signal(str, bool)  # text, signed in (from the worker)
    urlReady = Signal(str)  # from the worker: open it on the GUI thread
    _authMade = Signal(int, object)  # from the worker: (profile generation, ProfileSignIn)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        make_auth: AuthFactory = default_auth,
        open_url: Callable[[str], bool] = open_in_desktop_browser,
    ) -> None:
        super().__init__(parent)
        self._make_auth = make_auth
        self._open_url = open_url
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sign-in")
        self._pending: SignIn | None = None
        self._profile: Profile | None = None
        self._generation = 0  # which profile choice the worker's results are for
        self.auth: ProfileSignIn | None = None
        self.status_label = QLabel(NOT_SIGNED_IN_TEXT)
        self.status_label.setAccessibleName("Sign-in")
        # Mnemonics free in the window beside the panel's and the strip's (Cancel is the run's).
        self.sign_in_button = QPushButton("Si&gn in…")
        self.cancel_button = QPushButton("Stop &waiting")
        self.cancel_button.setToolTip("Stop waiting for the browser's sign-in")
        self.sign_out_button = QPushButton("&Sign out")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status_label, self.sign_in_button, self.cancel_button):
            layout.addWidget(widget)
        layout.addWidget(self.sign_out_button)
        layout.addStretch(1)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.cancel_button.clicked.connect(self.cancel)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.statusReported.connect(self._show)
        self.urlReady.connect(self._open)
        self._authMade.connect(self._adopt)
        self._show(NOT_SIGNED_IN_TEXT, False)
        self.hide()

    def set_profile(self, profile: Profile | None) -> None:
        """Show the row for a `[cognito]` profile (resuming its kept sign-in); else hide it."""
        if profile is not None and profile == self._profile:
            return
        self.cancel()
        self._profile, self.auth = profile, None
        self._generation += 1
        if profile is None or profile.cognito is None:
            self.hide()
            return
        self.show()
        self._busy(CHECKING_TEXT)
        self._executor.submit(self._open_profile, profile, self._generation)

    @Slot()
    def sign_in(self) -> None:
        if self.auth is None:
            return
        self._busy(WAITING_TEXT)
        self.cancel_button.show()
        self._executor.submit(self._sign_in, self.auth)

    @Slot()
    def cancel(self) -> None:
        pending = self._pending
        if pending is not None:
            pending.cancel()

    @Slot()
    def sign_out(self) -> None:
        if self.auth is not None:
            self._busy("Signing out…")
            self._executor.submit(self._sign_out, self.auth)

    def shutdown(self) -> None:
        self.cancel()
        self._executor.shutdown(wait=True)

    # --- worker thread --------------------------------------------------------------------------

    def _open_profile(self, profile: Profile, generation: int) -> None:
        auth = self._make_auth(profile)  # imports the sign-in code and opens the keychain
        self._authMade.emit(generation, auth)
        self._report(auth, auth.resume, generation)

    def _sign_in(self, auth: ProfileSignIn) -> None:
        def browser_sign_in() -> object:
            sign_in = self._pending = auth.new_sign_in()
            try:
                self.urlReady.emit(sign_in.start())
                return auth.finish_sign_in(sign_in)
            finally:
                self._pending = None
                sign_in.close()

        self._report(auth, browser_sign_in, self._generation)

    def _sign_out(self, auth: ProfileSignIn) -> None:
        self._report(auth, auth.sign_out, self._generation)

    def _report(self, auth: ProfileSignIn, step: Callable[[], object], generation: int) -> None:
        try:
            step()
        except UploaderError as exc:
            log.info("sign-in step ended: %s", exc)
            text = f"{signed_in_text(auth.account)} — {exc}"
        else:
            text = signed_in_text(auth.account)
        if generation == self._generation:  # else another profile was chosen meanwhile
            self.statusReported.emit(text, auth.is_signed_in)

    # --- GUI thread -----------------------------------------------------------------------------

    @Slot(int, object)
    def _adopt(self, generation: int, auth: ProfileSignIn) -> None:
        if generation == self._generation:
            self.auth = auth

    def _busy(self, text: str) -> None:
        self.status_label.setText(text)
        for button in (self.sign_in_button, self.sign_out_button):
            button.setEnabled(False)

    @Slot(str, bool)
    def _show(self, text: str, is_signed_in: bool) -> None:
        self.status_label.setText(text)
        self.cancel_button.hide()
        self.sign_in_button.setVisible(not is_signed_in)
        self.sign_in_button.setEnabled(True)
        self.sign_out_button.setEnabled(True)

    @Slot(str)
    def _open(self, url: str) -> None:
        if not self._open_url(url):
            self.status_label.setText(f"Open this address in a browser to sign in: {url}")
