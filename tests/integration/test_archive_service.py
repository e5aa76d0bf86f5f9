"""The archive service: the local archive for the app session, and the list of archives."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from uploader_gui.app_dirs import app_dirs
from uploader_gui.archive_service import (
    LOCAL_ARCHIVE_NAME,
    LOCAL_PROFILE_FILENAME,
    list_archives,
    start_local_archive,
)
from uploader_gui.core.delivery.profile import Profile, load_profile, save_profile
from uploader_gui.sandbox.archive import SandboxOptions

REMOTE_PROFILE = """
name = "Survey archive"
region = "eu-west-1"
endpoint_url = "https://s3.example.org"
"""


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def s3_client_for(profile: Profile) -> object:
    assert profile.credentials is not None
    return boto3.client(
        "s3",
        endpoint_url=profile.endpoint_url,
        region_name=profile.region,
        aws_access_key_id=profile.credentials.access_key_id,
        aws_secret_access_key=profile.credentials.secret_access_key,
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
    )


def test_the_local_archive_runs_writes_a_profile_commands_can_use_and_stops() -> None:
    handle = start_local_archive()
    try:
        profile_path = app_dirs().profiles_dir / LOCAL_PROFILE_FILENAME
        assert handle.profile_path == profile_path
        assert handle.profile_write_error == ""
        assert handle.endpoint_url == f"http://127.0.0.1:{handle.port}"
        assert handle.host_port == f"127.0.0.1:{handle.port}"
        assert handle.profile.name == LOCAL_ARCHIVE_NAME
        # What a command reads from the profiles folder reaches this very archive.
        on_disk = load_profile(profile_path)
        assert on_disk.endpoint_url == handle.endpoint_url
        buckets = s3_client_for(on_disk).list_buckets()["Buckets"]  # type: ignore[attr-defined]
        assert f"{handle.bucket_stem}-config" in {bucket["Name"] for bucket in buckets}
    finally:
        handle.stop()
    assert handle.is_stopped
    assert not port_is_open(handle.port)
    assert not profile_path.exists(), "a profile naming a stopped archive would mislead commands"
    handle.stop()  # twice is harmless (the window may close after a failed shutdown)


def test_archives_started_one_after_another_each_get_a_fresh_port() -> None:
    first = start_local_archive()
    first.stop()
    second = start_local_archive()
    try:
        assert port_is_open(second.port)
        assert load_profile(second.profile_path or Path()).endpoint_url == second.endpoint_url
    finally:
        second.stop()


def test_an_unwritable_profiles_folder_leaves_the_archive_running_and_says_why(
    tmp_path: Path,
) -> None:
    not_a_folder = tmp_path / "profiles"
    not_a_folder.write_text("a file where the folder should be")
    handle = start_local_archive(profiles_dir=not_a_folder)
    try:
        assert handle.profile_path is None
        assert str(not_a_folder) in handle.profile_write_error
        assert port_is_open(handle.port)
    finally:
        handle.stop()
    assert not port_is_open(handle.port)


def test_stopping_leaves_a_profile_someone_else_wrote_since(tmp_path: Path) -> None:
    handle = start_local_archive(profiles_dir=tmp_path)
    path = tmp_path / LOCAL_PROFILE_FILENAME
    # `uploader-gui sandbox` started meanwhile and wrote its own local profile.
    theirs = Profile(name="Local archive", region="us-east-1", endpoint_url="http://127.0.0.1:9")
    save_profile(theirs, path)
    handle.stop()
    assert load_profile(path).endpoint_url == "http://127.0.0.1:9"


def test_a_port_in_use_is_refused_and_nothing_is_left_running(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            start_local_archive(
                profiles_dir=tmp_path, options=SandboxOptions(auto_accept=True, port=port)
            )
    assert not (tmp_path / LOCAL_PROFILE_FILENAME).exists()
    # The failed start released its buckets: the same bucket stem starts again.
    handle = start_local_archive(profiles_dir=tmp_path)
    handle.stop()


def test_the_list_has_the_local_archive_first_then_profiles_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "b-survey.toml").write_text(REMOTE_PROFILE)
    (tmp_path / "a-broken.toml").write_text('name = "Broken"\nregion = "nowhere"\n')
    (tmp_path / LOCAL_PROFILE_FILENAME).write_text(REMOTE_PROFILE)
    (tmp_path / "notes.txt").write_text("not a profile")
    choices = list_archives(tmp_path)
    assert [choice.name for choice in choices] == [LOCAL_ARCHIVE_NAME, "a-broken", "Survey archive"]
    local, broken, survey = choices
    assert local.is_local_archive
    assert local.is_usable
    assert not broken.is_usable
    assert "region" in broken.problem
    assert "a-broken.toml" in broken.problem
    assert survey.is_usable
    assert not survey.is_local_archive
    assert survey.profile is not None
    assert survey.profile.endpoint_url == "https://s3.example.org"
    assert survey.profile_path == tmp_path / "b-survey.toml"


def test_with_no_profiles_folder_only_the_local_archive_is_listed(tmp_path: Path) -> None:
    assert [choice.name for choice in list_archives(tmp_path / "missing")] == [LOCAL_ARCHIVE_NAME]


def test_the_window_loads_neither_moto_nor_boto3_until_the_archive_starts() -> None:
    # The sandbox imports take about a second: the window must show without waiting for them.
    script = (
        "import sys, uploader_gui.ui.app, uploader_gui.ui.main_window; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'moto', 'boto3', 'botocore'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
