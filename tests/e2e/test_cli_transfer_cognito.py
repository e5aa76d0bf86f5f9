"""`uploader-gui transfer` to an archive whose profile signs in with `[cognito]`.

The first run signs in through the browser (a scripted one, handed the address the CLI prints
with `--no-browser`), its credentials expire every 2 s and are renewed mid-upload (the local
archive refuses expired keys); the next delivery signs in silently from the keychain. Nothing
the app writes holds a token or a secret key.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tests.auth_browser import ScriptedBrowser
from tests.e2e.transfer_cli_kit import CliRun, Workspace, receipt, running_archive
from tests.sign_in_kit import (
    AUTHORIZE_URL,
    EMAIL,
    files_holding_secrets,
    keychain,
    signed_in_archive,
)
from uploader_gui.cli import main
from uploader_gui.sandbox.archive import LocalArchive

CREDENTIALS_LIFETIME_S = 2.0
FILES = {f"img{n}.fits": bytes([n]) * 150_000 for n in range(6)}


class BrowserOnOutput(io.StringIO):
    """stdout that hands every sign-in address printed on it to the scripted browser."""

    def __init__(self, browser: ScriptedBrowser) -> None:
        super().__init__()
        self.browser = browser

    def write(self, text: str) -> int:
        for url in AUTHORIZE_URL.findall(text):
            self.browser(url)
        return super().write(text)


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as running:
        yield running


def run_signed_in(argv: list[str], browser: ScriptedBrowser) -> CliRun:
    out, err = BrowserOnOutput(browser), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    return CliRun(status, out.getvalue(), err.getvalue())


def test_signs_in_renews_mid_upload_and_signs_in_silently_next_time(
    archive: LocalArchive, tmp_path: Path
) -> None:
    first = Workspace(archive, tmp_path, delivery_id=secrets.token_hex(3))
    second = Workspace(archive, tmp_path, delivery_id=secrets.token_hex(3))
    deliveries = [("e2e_set", first.delivery_id), ("e2e_set", second.delivery_id)]
    with (
        keychain() as backend,
        signed_in_archive(
            archive, deliveries, credentials_lifetime_s=CREDENTIALS_LIFETIME_S
        ) as provider,
    ):
        profile = tmp_path / "cognito.toml"
        archive.write_profile(profile, cognito=True)
        gate = archive.identity_gate
        assert gate is not None
        browser = ScriptedBrowser()
        folder = first.folder(FILES)
        argv = [
            *first.args(folder, "--json", "--no-browser", "--concurrency", "1"),
            "--max-bandwidth",
            "300k",
        ]
        argv[argv.index(str(first.profile_path))] = str(profile)
        run = run_signed_in(argv, browser)
        browser.join()

        assert run.exit_status == 0, run.err
        assert run.ended["outcome"] == "all files valid"
        (shown,) = run.of("SignInUrlShown")
        assert browser.opened_urls == [shown["url"]]
        assert f"Signed in to Local archive as {EMAIL}" in run.err
        assert {f["path"]: f["state"] for f in receipt(run)["files"]} == dict.fromkeys(
            FILES, "valid"
        )
        for name, content in FILES.items():
            assert first.object_bytes(first.names.transfer_bucket, name) == content
        # Expired mid-upload and renewed, more than once; the archive's account held it all.
        assert gate.credentials_issued >= 3
        assert ("uploader-gui", f"Local archive:{EMAIL}") in backend.entries

        secrets_seen = [*provider.issued_secrets(), *gate.issued_secrets()]
        home = Path(os.environ["UPLOADER_GUI_HOME"])
        assert files_holding_secrets([home], secrets_seen) == []
        for secret in secrets_seen:
            assert secret not in run.out
            assert secret not in run.err

        grants_before = provider.grant_types_seen()
        second_folder = second.folder(FILES, name="data2")
        argv = second.args(second_folder, "--json", "--no-browser")
        argv[argv.index(str(second.profile_path))] = str(profile)
        again = run_signed_in(argv, browser)

    assert again.exit_status == 0, again.err
    assert again.of("SignInUrlShown") == []
    assert len(browser.opened_urls) == 1
    assert grants_before.count("authorization_code") == 1
    new_grants = provider.grant_types_seen()[len(grants_before) :]
    assert "authorization_code" not in new_grants
    assert "refresh_token" in new_grants
    assert "kept from before" in again.err
