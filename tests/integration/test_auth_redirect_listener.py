"""The loopback listener on real sockets: strays, bad state, errors, cancel, timeout, busy port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from tests.auth_support import free_loopback_port
from uploader_gui.auth.errors import RedirectPortBusy, SignInCancelled, SignInTimedOut
from uploader_gui.auth.redirect_listener import AuthorizationCallback, RedirectListener

STATE = "expected-state-value"


@pytest.fixture
def port() -> int:
    return free_loopback_port()


@pytest.fixture
def listener(port: int) -> Iterator[RedirectListener]:
    with RedirectListener(f"http://localhost:{port}/callback", STATE) as running:
        yield running


def get(port: int, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)


def assert_port_closed(port: int) -> None:
    with pytest.raises(requests.ConnectionError):
        get(port, "/callback")


def test_stray_requests_and_pre_connects_do_not_end_the_flow(
    listener: RedirectListener, port: int
) -> None:
    with socket.create_connection(("127.0.0.1", port)):  # a browser pre-connect: sends nothing
        assert get(port, "/favicon.ico").status_code == 404
        bare = get(port, "/callback")
        assert bare.status_code == 400
        assert "Waiting for sign-in" in bare.text
        page = get(port, f"/callback?code=the-code&state={STATE}")
    assert page.status_code == 200
    assert "You can close this tab" in page.text
    assert listener.wait(timeout_s=5) == AuthorizationCallback(code="the-code")


def test_an_answer_with_another_state_is_rejected_and_the_wait_goes_on(
    listener: RedirectListener, port: int
) -> None:
    wrong = get(port, "/callback?code=stolen-code&state=another-attempt")
    assert wrong.status_code == 400
    assert "different sign-in attempt" in wrong.text
    with pytest.raises(SignInTimedOut):
        listener.wait(timeout_s=0.05)
    get(port, f"/callback?code=real-code&state={STATE}")
    assert listener.wait(timeout_s=5).code == "real-code"


def test_an_error_answer_ends_the_flow_with_an_escaped_friendly_page(
    listener: RedirectListener, port: int
) -> None:
    page = get(
        port,
        f"/callback?error=access_denied&error_description=%3Cb%3EUser+said+no&state={STATE}",
    )
    assert page.status_code == 400
    assert "&lt;b&gt;User said no" in page.text
    assert "<b>" not in page.text
    outcome = listener.wait(timeout_s=5)
    assert (outcome.error, outcome.error_description) == ("access_denied", "<b>User said no")


def test_cancel_from_another_thread_wakes_the_waiter(port: int) -> None:
    listener = RedirectListener(f"http://localhost:{port}/", STATE)
    listener.start()
    caught: list[BaseException] = []

    def wait() -> None:
        try:
            listener.wait(timeout_s=60)
        except SignInCancelled as exc:
            caught.append(exc)
        finally:
            listener.close()

    waiter = threading.Thread(target=wait)
    waiter.start()
    listener.cancel()
    waiter.join()
    assert [str(exc) for exc in caught] == ["Sign-in was cancelled."]
    assert_port_closed(port)


def test_an_answer_after_cancel_does_not_revive_the_flow(
    listener: RedirectListener, port: int
) -> None:
    listener.cancel()
    get(port, f"/callback?code=late&state={STATE}")
    with pytest.raises(SignInCancelled):
        listener.wait(timeout_s=5)


def test_timeout_says_what_happened_and_the_socket_is_closed(port: int) -> None:
    listener = RedirectListener(f"http://localhost:{port}/", STATE)
    listener.start()
    with pytest.raises(SignInTimedOut, match="No answer came back from the browser"):
        listener.wait(timeout_s=0.05)
    listener.close()
    listener.close()  # idempotent
    assert_port_closed(port)
    # and the next sign-in can use the same registered port at once
    with RedirectListener(f"http://localhost:{port}/", STATE):
        assert get(port, "/favicon.ico").status_code == 404


def test_a_busy_port_is_explained_not_a_stack_trace(port: int) -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        listener = RedirectListener(f"http://localhost:{port}/", STATE)
        with pytest.raises(RedirectPortBusy) as caught:
            listener.start()
    message = str(caught.value)
    assert f"Another program on this computer is using port {port}" in message
    assert "sign in again" in message
    listener.close()  # nothing was opened: closing is still safe


def test_the_listener_answers_on_127_0_0_1_only(listener: RedirectListener, port: int) -> None:
    assert listener.port == port
    # 127.0.0.2 is loopback too on Linux: a listener bound to all addresses would answer there.
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port), 2):
        pass
