"""A refresh failure mid-transfer pauses the delivery and asks for a new sign-in.

Real archive, real OIDC provider, real keyring backend (in memory); only the sign-in clock is
fake. When the first file is done, the provider revokes the refresh token and the clock jumps
two hours: the credentials must be renewed, the id token too, and the refresh is refused. The
session keeps its lock, leaves the other files paused or waiting and asks "Sign in again";
a new browser sign-in resumes it, declining ends it (exit 3) and a later run resumes.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth_browser import ScriptedBrowser
from tests.auth_provider import CognitoLikeProvider
from tests.auth_support import FakeClock, MemoryKeyring, sign_in_with_browser
from tests.e2e.transfer_cli_kit import LABEL_TEMPLATE, running_archive
from tests.integration.test_session_commands import QUICK_CONTROL, Watched, transfer_settings
from tests.sign_in_kit import signed_in_archive
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore
from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_states import (
    EXIT_COULD_NOT_RUN,
    SessionOutcome,
    SessionState,
)
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_QUESTION_ID, SIGNED_IN, STOP
from uploader_gui.core.events import Event, FileStateChanged
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.wiring.delivery_session import DeliverySession, SessionOptions
from uploader_gui.wiring.sign_in_credentials import SignedInCredentials

FILES = {f"img{n}.fits": bytes([n]) * 100_000 for n in range(4)}
WAIT_S = 60.0


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as running:
        yield running


class Delivery:
    def __init__(
        self, archive: LocalArchive, tmp_path: Path, provider: CognitoLikeProvider, delivery_id: str
    ) -> None:
        self.archive, self.provider, self.root = archive, provider, tmp_path
        self.delivery_id = delivery_id
        self.clock = FakeClock()
        self.auth = ProfileSignIn(
            archive.cognito_profile(),
            store=RefreshTokenStore(MemoryKeyring()),
            accounts=KnownAccounts(tmp_path / "accounts.json"),
            clock=self.clock,
        )
        self.label = tmp_path / "label.yaml"
        self.label.write_text(LABEL_TEMPLATE.format(delivery_id=delivery_id), "utf-8")
        self.source = tmp_path / "data"
        self.source.mkdir(exist_ok=True)
        for name, content in FILES.items():
            (self.source / name).write_bytes(content)

    def session(self, watched: Watched) -> DeliverySession:
        credentials = SignedInCredentials(self.auth)
        profile = self.archive.cognito_profile()
        return DeliverySession(
            profile,
            DeliveryInput(profile.name, self.source, self.label),
            emit=watched,
            options=SessionOptions(
                store_path=self.root / "state.sqlite",
                receipt_target=self.root / "receipts",
                control=QUICK_CONTROL,
                transfer=transfer_settings(bandwidth_limit_bytes_per_s=200_000),
            ),
            credentials=credentials,
            sign_in=credentials,
        )

    def end_sign_in_after_first_file(self, watched: Watched) -> None:
        fired = threading.Event()

        def hook(event: Event) -> None:
            if (
                isinstance(event, FileStateChanged)
                and event.new_state == "done"
                and not fired.is_set()
            ):
                fired.set()
                self.provider.revoke_refresh_tokens()
                self.clock.advance(2 * 3600)

        watched.hooks.append(hook)


def question(watched: Watched) -> QuestionAsked:
    event = watched.wait_for(
        lambda e: isinstance(e, QuestionAsked) and e.question_id == SIGN_IN_QUESTION_ID,
        "sign-in question",
    )
    assert isinstance(event, QuestionAsked)
    return event


def finished(session: DeliverySession) -> SessionSummary:
    summary = session.wait(WAIT_S)
    assert summary is not None, "the session did not end"
    return summary


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> Iterator[Delivery]:
    delivery_id = secrets.token_hex(3)
    with signed_in_archive(archive, [("e2e_set", delivery_id)]) as provider:
        running = Delivery(archive, tmp_path, provider, delivery_id)
        sign_in_with_browser(running.auth)
        yield running


def test_a_new_sign_in_resumes_the_paused_transfer(delivery: Delivery) -> None:
    watched = Watched()
    delivery.end_sign_in_after_first_file(watched)
    session = delivery.session(watched)
    session.start()
    asked = question(watched)

    assert asked.title == "Sign in again"
    assert not delivery.auth.is_signed_in
    # Paused inside the session, not ended, and saying so.
    assert session.engine.state is SessionState.SIGN_IN_NEEDED
    assert session.wait(0.5) is None
    sign_in_with_browser(delivery.auth, ScriptedBrowser())
    asked.reply.answer(SIGNED_IN)

    summary = finished(session)
    assert summary.outcome is SessionOutcome.ALL_VALID, summary.message
    assert summary.counts[FileState.VALID] == len(FILES)
    names = delivery.archive.network_config.names_for("e2e_set", delivery.delivery_id, "staging")
    s3 = delivery.archive.boto3_client("s3")
    for name, content in FILES.items():
        assert s3.get_object(Bucket=names.transfer_bucket, Key=name)["Body"].read() == content
    asked_again = [e for e in watched.events if isinstance(e, QuestionAsked)]
    assert len(asked_again) == 1


def test_declining_ends_the_session_resumably(delivery: Delivery) -> None:
    watched = Watched()
    delivery.end_sign_in_after_first_file(watched)
    session = delivery.session(watched)
    session.start()
    question(watched).reply.answer(STOP)

    summary = finished(session)
    assert summary.outcome is SessionOutcome.SIGN_IN_ENDED
    assert summary.exit_status == EXIT_COULD_NOT_RUN
    assert "run again to resume" in summary.message
    failed_or_invalid = [
        e
        for e in watched.events
        if isinstance(e, FileStateChanged) and e.new_state in ("failed", "invalid")
    ]
    assert failed_or_invalid == []

    # The next run, signed in again, delivers what is left.
    sign_in_with_browser(delivery.auth, ScriptedBrowser())
    again = Watched()
    second = delivery.session(again)
    second.start()
    summary = finished(second)
    assert summary.outcome is SessionOutcome.ALL_VALID, summary.message
