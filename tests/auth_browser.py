"""The person at the browser, scripted: an HTTP client on its own thread that follows the
authorize redirect, signs in (or cancels) on the provider's form, and delivers the answer to the
app's loopback listener, with a stray `/favicon.ico` request first as real browsers make.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests


@dataclass
class BrowserVisit:
    status: int
    text: str


@dataclass
class ScriptedBrowser:
    """Opens the authorize URL on its own thread, like a real browser: `__call__` returns at once.

    `action` is "sign-in" or "cancel"; `stray_first` fetches `/favicon.ico` from the app's
    listener first; `tamper_state` delivers the answer with a wrong state (then, if
    `then_deliver_real`, the real one too).
    """

    username: str = "alice"
    action: str = "sign-in"
    stray_first: bool = True
    tamper_state: bool = False
    then_deliver_real: bool = True
    visits: list[BrowserVisit] = field(default_factory=list)
    opened_urls: list[str] = field(default_factory=list)
    error: BaseException | None = None
    _thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        self.opened_urls.append(url)
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()
        return True

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self, url: str) -> None:
        try:
            self._browse(url)
        except BaseException as exc:  # noqa: BLE001 (handed to join(), so the test sees it)
            self.error = exc

    def _browse(self, url: str) -> None:
        with requests.Session() as http:
            form = http.get(url, timeout=10)
            form.raise_for_status()
            answer = http.post(
                url,
                data={"username": self.username, "action": self.action},
                timeout=10,
                allow_redirects=False,
            )
            location = answer.headers["Location"]
            parts = urlsplit(location)
            if self.stray_first:
                stray = urlunsplit((parts.scheme, parts.netloc, "/favicon.ico", "", ""))
                self._visit(http, stray)
            if self.tamper_state:
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                query["state"] = "not-the-state-of-this-sign-in"
                self._visit(http, urlunsplit(parts._replace(query=urlencode(query))))
                if not self.then_deliver_real:
                    return
            self._visit(http, location)

    def _visit(self, http: requests.Session, url: str) -> None:
        response = http.get(url, timeout=10, allow_redirects=False)
        self.visits.append(BrowserVisit(response.status_code, response.text))
