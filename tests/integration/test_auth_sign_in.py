"""Browser sign-in against a real OpenID Connect provider on 127.0.0.1, the person scripted."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.auth_browser import ScriptedBrowser
from tests.auth_support import (
    CLIENT_ID,
    Archive,
    new_auth_session,
    role_arn,
    running_archive,
    running_moto,
)
from uploader_gui.auth.endpoints import HostedUiEndpoints
from uploader_gui.auth.errors import (
    RedirectPortBusy,
    SignInCancelled,
    SignInFailed,
    SignInTimedOut,
    TokenRejected,
)
from uploader_gui.auth.hosted_ui import SignIn
from uploader_gui.auth.pkce import PkcePair, new_pkce_pair
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.auth.tokens import TokenEndpoint


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def archive(moto_endpoint: str) -> Iterator[Archive]:
    with running_archive(moto_endpoint) as running:
        yield running


@pytest.fixture
def auth(archive: Archive, tmp_path: Path) -> ProfileSignIn:
    return new_auth_session(archive, tmp_path)


def redirect_port(archive: Archive) -> int:
    port = urlsplit(archive.redirect_uri).port
    assert port is not None
    return port


def assert_port_free_for_the_next_sign_in(auth: ProfileSignIn) -> None:
    again = auth.new_sign_in(timeout_s=30)
    again.start()
    again.close()


def test_sign_in_through_the_browser_returns_the_accounts_tokens(
    auth: ProfileSignIn, archive: Archive
) -> None:
    browser = ScriptedBrowser(username="alice")
    sign_in = auth.new_sign_in(timeout_s=30)
    url = sign_in.start()
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [archive.redirect_uri]
    browser(url)
    account = auth.finish_sign_in(sign_in)
    browser.join()
    assert account == "alice@example.org"
    roles = auth.fresh_tokens().claims["cognito:roles"]
    assert roles == [role_arn("ds", "0012"), role_arn("ds", "0013")]
    assert [visit.status for visit in browser.visits] == [404, 200]  # favicon, then the answer
    assert "Signed in" in browser.visits[-1].text
    assert archive.provider.grant_types_seen() == ["authorization_code"]
    assert_port_free_for_the_next_sign_in(auth)


def test_the_provider_refuses_a_code_without_the_matching_verifier(archive: Archive) -> None:
    real = new_pkce_pair()

    def mismatched_pair() -> PkcePair:
        return PkcePair(verifier=new_pkce_pair().verifier, challenge=real.challenge)

    cognito = archive.profile().cognito
    assert cognito is not None
    endpoint = TokenEndpoint(HostedUiEndpoints.from_domain(archive.provider.base_url), CLIENT_ID)
    sign_in = SignIn(cognito, endpoint, timeout_s=30, new_pkce=mismatched_pair)
    browser = ScriptedBrowser()
    browser(sign_in.start())
    with pytest.raises(TokenRejected, match="refused"):
        sign_in.wait()
    browser.join()


def test_an_answer_with_a_wrong_state_is_never_exchanged(
    auth: ProfileSignIn, archive: Archive
) -> None:
    browser = ScriptedBrowser(tamper_state=True, then_deliver_real=False)
    sign_in = auth.new_sign_in(timeout_s=30)
    browser(sign_in.start())
    browser.join()
    assert browser.visits[-1].status == 400
    assert "different sign-in attempt" in browser.visits[-1].text
    sign_in.cancel()
    with pytest.raises(SignInCancelled):
        auth.finish_sign_in(sign_in)
    assert archive.provider.grant_types_seen() == []
    assert not auth.is_signed_in


def test_the_real_answer_after_a_wrong_one_still_signs_in(auth: ProfileSignIn) -> None:
    browser = ScriptedBrowser(tamper_state=True, then_deliver_real=True)
    sign_in = auth.new_sign_in(timeout_s=30)
    browser(sign_in.start())
    assert auth.finish_sign_in(sign_in) == "alice@example.org"
    browser.join()
    assert [visit.status for visit in browser.visits] == [404, 400, 200]


def test_cancel_on_the_sign_in_page_is_reported_and_shown(auth: ProfileSignIn) -> None:
    browser = ScriptedBrowser(action="cancel")
    sign_in = auth.new_sign_in(timeout_s=30)
    browser(sign_in.start())
    with pytest.raises(SignInFailed, match="access_denied"):
        auth.finish_sign_in(sign_in)
    browser.join()
    assert browser.visits[-1].status == 400
    assert "Sign-in did not finish" in browser.visits[-1].text
    assert_port_free_for_the_next_sign_in(auth)


def test_cancel_from_the_window_while_waiting_for_the_browser(
    auth: ProfileSignIn, archive: Archive
) -> None:
    sign_in = auth.new_sign_in(timeout_s=300)
    sign_in.start()
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            auth.finish_sign_in(sign_in)
        except SignInCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    sign_in.cancel()  # the GUI thread's Cancel button
    thread.join()
    assert len(outcome) == 1
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{redirect_port(archive)}/callback", timeout=5)


def test_no_answer_times_out_with_a_clear_message(auth: ProfileSignIn) -> None:
    sign_in = auth.new_sign_in(timeout_s=0.05)
    sign_in.start()
    with pytest.raises(SignInTimedOut, match=r"within 0\.05 seconds"):
        auth.finish_sign_in(sign_in)
    assert_port_free_for_the_next_sign_in(auth)


def test_a_busy_redirect_port_is_explained(auth: ProfileSignIn, archive: Archive) -> None:
    port = redirect_port(archive)
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        with pytest.raises(RedirectPortBusy, match=f"using port {port}"):
            auth.new_sign_in().start()
