"""The local archive in its own process: one per user, shared, never orphaned, reset on demand.

Every test here runs real processes: the archive's (`uploader-gui sandbox --serve`), and where
a second client or a killed parent matters, another Python process as that client.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.integration.conftest import plain_boto3_client
from tests.integration.test_sandbox_cli import read_until_ready
from tests.waiting import wait_until
from uploader_gui.app_dirs import app_dirs
from uploader_gui.archive_service import (
    LOCAL_PROFILE_FILENAME,
    ChildArchiveHandle,
    start_local_archive,
)
from uploader_gui.core.delivery.profile import load_profile
from uploader_gui.sandbox.archive import SandboxOptions
from uploader_gui.sandbox.archive_client import archive_command
from uploader_gui.sandbox.archive_process import sandbox_options
from uploader_gui.sandbox.archive_registry import (
    RECORD_FILENAME,
    ArchiveRecord,
    process_is_alive,
    read_record,
    write_record,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def serves(handle: ChildArchiveHandle) -> bool:
    """A client reaches the archive through the profile file, as a command would."""
    assert handle.profile_path is not None
    ssm = plain_boto3_client(load_profile(handle.profile_path), "ssm")
    return bool(ssm.get_parameter(Name=handle.profile.network_config_parameter)["Parameter"])


def record_file() -> Path:
    return app_dirs().local_archive_dir / RECORD_FILENAME


def assert_archive_gone(pid: int, port: int) -> None:
    wait_until(lambda: not process_is_alive(pid), "the archive's process to exit")
    assert not port_is_open(port)
    assert not record_file().exists(), "a port file naming a stopped archive would mislead"


def python_client(script: str) -> subprocess.Popen[str]:
    """Another client of the archive: a Python process running `script`."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=dict(os.environ),
    )


def test_two_clients_share_one_archive_and_the_last_to_leave_stops_it() -> None:
    first = start_local_archive()
    second = start_local_archive()
    assert second.pid == first.pid != os.getpid(), "one archive process, not this one"
    assert second.endpoint_url == first.endpoint_url
    assert second.lease.joined_running
    assert not first.lease.joined_running
    record = read_record(app_dirs().local_archive_dir)
    assert record is not None
    assert (record.pid, record.endpoint_url) == (first.pid, first.endpoint_url)

    first.stop()
    assert not first.stopped_archive
    assert serves(second), "the other user's archive goes on"
    second.stop()
    assert second.stopped_archive
    assert_archive_gone(first.pid, first.port)
    assert not (app_dirs().profiles_dir / LOCAL_PROFILE_FILENAME).exists()


def test_clients_starting_at_once_get_the_same_archive() -> None:
    handles: list[ChildArchiveHandle] = []
    threads = [threading.Thread(target=lambda: handles.append(start_local_archive())) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(handles) == 2
    try:
        assert handles[0].pid == handles[1].pid
    finally:
        for handle in handles:
            handle.stop()
    assert_archive_gone(handles[0].pid, handles[0].port)


@pytest.mark.timeout(120)
def test_the_command_line_sandbox_joins_the_windows_archive_and_leaves_it_running() -> None:
    handle = start_local_archive()
    try:
        cli = subprocess.Popen(
            [sys.executable, "-m", "uploader_gui", "sandbox"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        try:
            lines = read_until_ready(cli)
        finally:
            cli.send_signal(signal.SIGINT)  # Ctrl-C
            out, err = cli.communicate(timeout=60)
        assert cli.returncode == 0, err
        assert f"Local archive at {handle.endpoint_url}" in lines
        assert f"Already running (pid {handle.pid}); joined it." in lines
        assert "Left the local archive running for its other users." in out
        assert serves(handle), "Ctrl-C in the terminal does not stop the window's archive"
    finally:
        handle.stop()
    assert handle.stopped_archive
    assert_archive_gone(handle.pid, handle.port)


@pytest.mark.timeout(120)
def test_a_killed_parent_leaves_no_archive_behind() -> None:
    parent = python_client(
        """
        import time
        from uploader_gui.archive_service import start_local_archive

        handle = start_local_archive()
        print(handle.pid, handle.port, flush=True)
        time.sleep(300)
        """
    )
    assert parent.stdout is not None
    pid, port = (int(word) for word in parent.stdout.readline().split())
    assert port_is_open(port)
    parent.send_signal(signal.SIGKILL)  # kill -9: no clean-up code of the parent runs
    parent.wait(timeout=30)
    parent.communicate(timeout=30)
    assert_archive_gone(pid, port)


def test_a_stale_port_file_is_replaced(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(gone.stdout)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead_port = unused.getsockname()[1]
    stale = ArchiveRecord(
        dead_pid,
        1.0,
        "stale",
        f"http://127.0.0.1:{dead_port}",
        dead_port,
        "fast",
        {"auto_accept": True},
    )
    write_record(app_dirs().local_archive_dir, stale)

    handle = start_local_archive()
    try:
        record = read_record(app_dirs().local_archive_dir)
        assert record is not None
        assert record.instance_id != "stale"
        assert record.pid == handle.pid != dead_pid
        assert serves(handle)
    finally:
        handle.stop()


def test_an_archive_with_other_settings_is_not_joined_silently() -> None:
    handle = start_local_archive(options=SandboxOptions(invalid_globs=("*.fits",)))
    try:
        with pytest.raises(RuntimeError, match="other settings"):
            start_local_archive(options=SandboxOptions(auto_accept=True))
        # The window asks for no settings: it joins the demo's archive as it is.
        window = start_local_archive()
        assert window.pid == handle.pid
        window.stop()
    finally:
        handle.stop()


def test_reset_stops_the_archive_for_everyone_and_deletes_its_data(tmp_path: Path) -> None:
    handle = start_local_archive()
    data = app_dirs().local_archive_data_dir
    assert data.is_dir(), "the archive keeps its objects in its data folder"
    (data / "objects").mkdir(exist_ok=True)
    (data / "objects" / "delivered").write_bytes(b"an object's body")

    result = subprocess.run(
        [sys.executable, "-m", "uploader_gui", "sandbox", "--reset"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )

    assert result.returncode == 0, result.stderr
    said = result.stdout.strip()
    assert said.startswith(
        f"Stopped the local archive at {handle.endpoint_url} (used by 1 program)"
    )
    assert f"emptied its data folder {data}" in said
    assert not (data / "objects" / "delivered").exists()
    assert_archive_gone(handle.pid, handle.port)
    handle.stop()  # its archive has gone already: leaving it is harmless
    again = start_local_archive()
    try:
        assert again.pid != handle.pid
        assert serves(again)
    finally:
        again.stop()


def test_reset_with_nothing_running_says_so() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "uploader_gui", "sandbox", "--reset"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "The local archive was not running and kept nothing on disk: nothing to reset."
    )


def test_the_archive_process_gets_the_options_and_the_data_folder(tmp_path: Path) -> None:
    payload = {"invalid_globs": ["*.fits"], "audit_path": str(tmp_path / "audit.jsonl")}
    options = sandbox_options(payload, tmp_path / "data")
    assert options.invalid_globs == ("*.fits",)
    assert options.audit_path == tmp_path / "audit.jsonl"
    assert options.data_dir == tmp_path / "data"  # objects live on disk there
    with pytest.raises(ValueError, match="no option 'colour'"):
        sandbox_options({"colour": "blue"}, None)


def test_the_port_file_says_where_the_archive_is() -> None:
    handle = start_local_archive()
    try:
        text = json.loads(record_file().read_text(encoding="utf-8"))
        assert text["pid"] == handle.pid
        assert text["endpoint_url"] == handle.endpoint_url
        assert "secret" not in record_file().read_text(encoding="utf-8").lower()
    finally:
        handle.stop()


def control_request(port: int, request: dict[str, object]) -> dict[str, object]:
    """One request on the archive's control endpoint, as any program on this computer could."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(json.dumps(request).encode("utf-8") + b"\n")
        with connection.makefile("rb") as stream:
            answer = json.loads(stream.readline() or b"{}")
    assert isinstance(answer, dict)
    return answer


def test_only_the_owner_of_the_port_file_can_stop_or_hold_the_archive() -> None:
    handle = start_local_archive()
    try:
        record = read_record(app_dirs().local_archive_dir)
        assert record is not None
        assert len(record.control_key) >= 32
        if os.name == "posix":  # the key is readable by this account only
            assert record_file().stat().st_mode & 0o077 == 0
        for key in (None, "", "guess", record.control_key[:-1]):
            request: dict[str, object] = {"op": "shutdown"}
            if key is not None:
                request["key"] = key
            answer = control_request(record.control_port, request)
            assert answer == {"ok": False, "reason": "wrong control key"}
            lease = control_request(record.control_port, {"op": "lease", "key": key or "x"})
            assert lease["ok"] is False
        assert serves(handle), "a refused request must leave the archive serving"
        assert process_is_alive(handle.pid)
    finally:
        handle.stop()
    assert_archive_gone(handle.pid, handle.port)


def test_a_frozen_app_runs_its_archive_with_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a PyInstaller build sys.executable is the app: `-m uploader_gui` would mean nothing.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    frozen = archive_command(tmp_path, {"auto_accept": True}, tmp_path / "data")
    assert frozen[:3] == [sys.executable, "sandbox", "--serve"]
    monkeypatch.delattr(sys, "frozen")
    source = archive_command(tmp_path, {"auto_accept": True}, tmp_path / "data")
    assert source[:5] == [sys.executable, "-m", "uploader_gui", "sandbox", "--serve"]
    assert source[source.index("--parent-pid") + 1] == str(os.getpid())
