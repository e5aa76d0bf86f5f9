"""`uploader-gui login | whoami | logout` against the local provider and moto, end to end.

Also the secret scan: after a signed-in login, whoami and S3 calls, no token or credential is
in any file under the app home, in stdout/stderr, or in any log record.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest

from tests.auth_browser import ScriptedBrowser
from tests.auth_support import (
    LABEL_TEXT,
    MOTO_SECRET_KEY,
    MOTO_SESSION_TOKEN,
    Archive,
    MemoryKeyring,
    role_arn,
    running_archive,
    running_moto,
)
from uploader_gui.app_dirs import app_dirs
from uploader_gui.aws.clients import make_session, s3_client
from uploader_gui.cli import build_parser
from uploader_gui.commands.auth import AuthServices
from uploader_gui.logging_setup import setup_logging


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def archive(moto_endpoint: str) -> Iterator[Archive]:
    with running_archive(moto_endpoint) as running:
        archive_profile = app_dirs().profiles_dir / "test.toml"
        running.write_profile(archive_profile)
        yield running


@pytest.fixture
def label(tmp_path: Path) -> Path:
    path = tmp_path / "label.yaml"
    path.write_text(LABEL_TEXT, encoding="utf-8")
    return path


def no_browser(url: str) -> bool:
    raise AssertionError(f"a browser was opened for {url}")


class Run:
    """One command run, as a person at a terminal sees it."""

    def __init__(
        self,
        argv: list[str],
        backend: keyring.backend.KeyringBackend,
        browser: ScriptedBrowser | None = None,
    ) -> None:
        services = AuthServices(
            keyring_backend=backend,
            open_browser=browser if browser is not None else no_browser,
            out=io.StringIO(),
            err=io.StringIO(),
            sign_in_timeout_s=30,
        )
        args = build_parser().parse_args(argv)
        self.exit_code = args.func(args, services)
        if browser is not None and browser.opened_urls:
            browser.join()
        self.out = services.out.getvalue()
        self.err = services.err.getvalue()


def test_login_then_whoami_reuses_the_keychain_without_a_browser(
    archive: Archive, label: Path
) -> None:
    backend = MemoryKeyring()
    browser = ScriptedBrowser()
    login = Run(["login", "--profile", "test", "--label", str(label)], backend, browser)
    assert login.exit_code == 0, login.err
    assert len(browser.opened_urls) == 1
    assert browser.opened_urls[0] in login.out  # the address is printed too
    assert "Signed in to Test archive as alice@example.org." in login.out
    assert f"Role:        {role_arn('ds', '0012')}" in login.out
    assert "Credentials: expire" in login.out

    whoami = Run(
        ["whoami", "--profile", "test", "--dataset", "ds", "--delivery-id", "0013"], backend
    )
    assert whoami.exit_code == 0, whoami.err
    assert "Account:     alice@example.org" in whoami.out
    assert f"Role:        {role_arn('ds', '0013')}" in whoami.out
    assert ", in 2 min (renewed automatically" in whoami.out  # moto's 90-second credentials
    assert archive.provider.grant_types_seen() == ["authorization_code", "refresh_token"]


def test_logout_removes_the_sign_in_and_whoami_says_so(archive: Archive, label: Path) -> None:
    backend = MemoryKeyring()
    Run(["login", "--profile", "test"], backend, ScriptedBrowser())
    assert len(backend.entries) == 1
    logout = Run(["logout", "--profile", "test"], backend)
    assert logout.exit_code == 0
    assert "Signed out of Test archive" in logout.out
    assert backend.entries == {}
    whoami = Run(["whoami", "--profile", "test", "--label", str(label)], backend)
    assert whoami.exit_code == 1
    assert "Not signed in to Test archive. Sign in with: uploader-gui login --profile test" in (
        whoami.err
    )


def test_login_without_a_delivery_lists_the_accounts_roles(archive: Archive) -> None:
    login = Run(["login", "--profile", "test"], MemoryKeyring(), ScriptedBrowser())
    assert login.exit_code == 0, login.err
    assert role_arn("ds", "0012") in login.out
    assert role_arn("ds", "0013") in login.out


def test_an_unauthorised_delivery_is_named(archive: Archive) -> None:
    login = Run(
        ["login", "--profile", "test", "--dataset", "ds", "--delivery-id", "0099"],
        MemoryKeyring(),
        ScriptedBrowser(),
    )
    assert login.exit_code == 1
    assert "alice@example.org is not authorised for delivery ds 0099" in login.err


def test_without_a_keychain_the_sign_in_lasts_one_run_and_is_said_once(
    archive: Archive, label: Path
) -> None:
    backend = keyring.backends.fail.Keyring()
    login = Run(["login", "--profile", "test", "--label", str(label)], backend, ScriptedBrowser())
    assert login.exit_code == 0, login.err
    assert login.err.count("No system keychain is available") == 1
    whoami = Run(["whoami", "--profile", "test", "--label", str(label)], backend)
    assert whoami.exit_code == 1
    assert "No system keychain is available, so a sign-in is not kept between runs" in whoami.err
    refresh_tokens = archive.provider.issued_secrets()
    assert refresh_tokens
    for path in Path(app_dirs().data_dir).parent.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(token.encode() in content for token in refresh_tokens), path


def test_profiles_are_found_by_file_name_or_by_name(archive: Archive, tmp_path: Path) -> None:
    archive.write_profile(app_dirs().profiles_dir / "second.toml", name="Second archive")
    by_name = Run(["login", "--profile", "Second archive"], MemoryKeyring(), ScriptedBrowser())
    assert "Signed in to Second archive" in by_name.out
    elsewhere = archive.write_profile(tmp_path / "elsewhere.toml", name="Elsewhere")
    by_file = Run(["login", "--profile-file", str(elsewhere)], MemoryKeyring(), ScriptedBrowser())
    assert "Signed in to Elsewhere" in by_file.out
    unknown = Run(["whoami", "--profile", "nope", "--label", "x"], MemoryKeyring())
    assert unknown.exit_code == 2
    assert "No profile 'nope'" in unknown.err
    assert "available: second, test" in unknown.err
    ambiguous = Run(["logout"], MemoryKeyring())
    assert ambiguous.exit_code == 2
    assert "Choose a profile with --profile NAME" in ambiguous.err


def test_whoami_needs_a_delivery(archive: Archive) -> None:
    run = Run(["whoami", "--profile", "test", "--dataset", "ds"], MemoryKeyring())
    assert run.exit_code == 2
    assert "Give both --dataset and --delivery-id" in run.err


def test_no_secret_reaches_files_output_or_log_records(
    archive: Archive,
    label: Path,
    app_home: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = MemoryKeyring()
    login = Run(["login", "--profile", "test", "--label", str(label)], backend, ScriptedBrowser())
    whoami = Run(["whoami", "--profile", "test", "--label", str(label)], backend)
    assert (login.exit_code, whoami.exit_code) == (0, 0)
    refused = Run(["whoami", "--profile", "test", "--dataset", "x", "--delivery-id", "1"], backend)
    assert refused.exit_code == 1

    services = AuthServices(keyring_backend=backend, open_browser=no_browser)
    log_setup = setup_logging(level=logging.DEBUG, redactor=services.redactor)
    try:
        auth = services.session(archive.profile())
        assert auth.resume()
        credentials = auth.delivery_credentials("ds", "0012")
        profile = archive.profile()
        s3 = s3_client(make_session(profile, credentials.botocore_credentials), profile)
        s3.create_bucket(Bucket="scan-bucket")
        s3.put_object(Bucket="scan-bucket", Key="a.fits", Body=b"data")
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="scan-bucket")["Contents"]] == [
            "a.fits"
        ]
        logging.getLogger("uploader_gui.test").debug("signed in as %r with %r", auth, credentials)
    finally:
        log_setup.close()

    secrets = [*archive.provider.issued_secrets(), MOTO_SECRET_KEY, MOTO_SESSION_TOKEN]
    assert len(secrets) >= 6
    captured = capsys.readouterr()
    texts = {
        "stdout": captured.out + login.out + whoami.out + refused.out,
        "stderr": captured.err + login.err + whoami.err + refused.err,
        "log records": "\n".join(
            record.getMessage() + (record.exc_text or "") for record in caplog.records
        ),
    }
    files = [path for path in app_home.rglob("*") if path.is_file()]
    assert any(path.name == "uploader-gui.log" for path in files)
    for path in files:
        texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    leaks = [(where, s[:12]) for where, text in texts.items() for s in secrets if s in text]
    assert leaks == []
