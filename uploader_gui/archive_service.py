"""The archives the app can deliver to: the embedded local archive, and the person's profiles.

The first-run default is the local archive: `start_local_archive()` joins the one running for
this user or starts it, in a process of its own on 127.0.0.1 (`sandbox.archive_process`), and
writes its profile to `profiles_dir/local-archive.toml`, so the command line (`--profile
local-archive`), a second window and `uploader-gui sandbox` reach the same archive;
`handle.stop()` leaves it, and the last user's stop stops it (its process then removes the
profiles naming it). The client reaches it only through that profile's endpoint.

No Qt here, and neither moto nor boto3 is ever imported for the local archive: it runs in its
own process. Everything here blocks: the window calls it from a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from uploader_gui.app_dirs import app_dirs, local_archive_data_dir
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import Profile, load_profile, save_profile

if TYPE_CHECKING:
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
    from uploader_gui.sandbox.archive_client import ArchiveLease

LOCAL_ARCHIVE_NAME = "Local archive"
# Also the name `uploader-gui sandbox` writes by default: one local profile for both.
LOCAL_PROFILE_FILENAME = "local-archive.toml"
LOCAL_PROFILE_STEM = LOCAL_PROFILE_FILENAME.removesuffix(".toml")


@dataclass(frozen=True, slots=True)
class ArchiveChoice:
    """One entry of the archive selector: the built-in local archive or a profile file."""

    name: str
    profile_path: Path | None = None  # None for the built-in local archive
    profile: Profile | None = None  # None for the built-in, or when the file has problems
    problem: str = ""  # why the profile file cannot be used, for people

    @property
    def is_local_archive(self) -> bool:
        return self.profile_path is None

    @property
    def is_usable(self) -> bool:
        return self.is_local_archive or self.profile is not None


class LocalArchiveHandle:
    """A running local archive in this process: its profile, endpoint and where its profile
    was written. Tests and benchmarks that need in-process fault hooks hand the window one."""

    def __init__(
        self,
        archive: LocalArchive,
        profile_path: Path | None,
        profile_write_error: str = "",
    ) -> None:
        self._archive = archive
        self._set_up(
            archive.profile(LOCAL_ARCHIVE_NAME),
            archive.network_config.bucket_stem,
            profile_path,
            profile_write_error,
        )

    def _set_up(
        self, profile: Profile, bucket_stem: str, profile_path: Path | None, write_error: str
    ) -> None:
        self.profile: Profile = profile
        self.endpoint_url: str = profile.endpoint_url or ""
        self.bucket_stem: str = bucket_stem
        self.profile_path = profile_path  # None when it could not be written
        self.profile_write_error = write_error
        self.stopped_archive = False  # after stop(): whether this was its last user
        self._stop_lock = threading.Lock()
        self._is_stopped = False

    @property
    def host_port(self) -> str:
        """`127.0.0.1:PORT`, as the window shows it."""
        return urlsplit(self.endpoint_url).netloc

    @property
    def port(self) -> int:
        port = urlsplit(self.endpoint_url).port
        assert port is not None, "the local archive always has an explicit port"
        return port

    @property
    def is_stopped(self) -> bool:
        return self._is_stopped

    def stop(self) -> None:
        """Leave the archive (idempotent); the last user's stop stops it and removes the
        profile files that name it."""
        with self._stop_lock:
            if self._is_stopped:
                return
            self._is_stopped = True
            self.stopped_archive = self._leave()

    def _leave(self) -> bool:
        self._archive.stop()
        if self.profile_path is not None:
            _remove_profile_if_ours(self.profile_path, self.endpoint_url)
        return True


class ChildArchiveHandle(LocalArchiveHandle):
    """This user's local archive running in its own process, and this client's lease on it."""

    def __init__(self, lease: ArchiveLease, profile_path: Path | None, write_error: str) -> None:
        self.lease = lease
        self.pid = lease.record.pid
        profile = replace(load_profile(lease.profile_path), name=LOCAL_ARCHIVE_NAME)
        self._set_up(profile, lease.record.bucket_stem, profile_path, write_error)

    def _leave(self) -> bool:
        # The archive's process removes the profiles naming it when it stops.
        return self.lease.release() == 0


LocalArchiveStarter = Callable[[], LocalArchiveHandle]


def start_local_archive(
    *,
    profiles_dir: Path | None = None,
    options: SandboxOptions | None = None,
    profile_file: Path | None = None,
) -> ChildArchiveHandle:
    """Join this user's local archive or start it (in its own process), and write its profile.

    `options` None joins whatever archive runs (`uploader-gui sandbox --invalid` for a demo,
    say) or starts one accepting any label; given, a running archive must have them. The
    profile goes to `profile_file` or `profiles_dir/local-archive.toml`. Raises OSError when
    the archive cannot listen (the port is taken), RuntimeError when one with other options
    runs; nothing is left running then. A profile that cannot be written does not stop the
    archive: the handle says why in `profile_write_error`.
    """
    from uploader_gui.sandbox.archive_client import lease_local_archive
    from uploader_gui.sandbox.archive_registry import options_payload

    dirs = app_dirs()
    target = profile_file
    if target is None:
        folder = profiles_dir if profiles_dir is not None else dirs.profiles_dir
        target = folder / LOCAL_PROFILE_FILENAME
    lease = lease_local_archive(
        dirs.local_archive_dir,
        None if options is None else options_payload(options),
        profile_path=target,
        data_dir=local_archive_data_dir(),
    )
    try:
        profile_path, write_error = _write_local_profile(lease.profile_path, target)
        return ChildArchiveHandle(lease, profile_path, write_error)
    except BaseException:
        lease.release()
        raise


def reset_local_archive() -> str:
    """Stop this user's local archive (whoever uses it) and empty what it keeps; what was
    done, for people. Blocks for as long as the archive takes to stop."""
    from uploader_gui.sandbox.archive_client import reset_local_archive as reset

    return reset(app_dirs().local_archive_dir, local_archive_data_dir())


def list_archives(profiles_dir: Path | None = None) -> list[ArchiveChoice]:
    """The built-in local archive first, then every `*.toml` profile in name order.

    `local-archive.toml` is the built-in's own file (or `uploader-gui sandbox`'s) and is not
    listed twice. A profile with problems is listed with the first of them, so the person sees
    why it cannot be chosen rather than wondering where it went.
    """
    folder = profiles_dir if profiles_dir is not None else app_dirs().profiles_dir
    choices = [ArchiveChoice(LOCAL_ARCHIVE_NAME)]
    try:
        paths = sorted(p for p in folder.glob("*.toml") if p.name != LOCAL_PROFILE_FILENAME)
    except OSError:
        paths = []
    for path in paths:
        try:
            profile = load_profile(path)
        except ProblemsFound as found:
            first = found.problems[0] if found.problems else None
            choices.append(ArchiveChoice(path.stem, path, problem=str(first or found)))
        else:
            choices.append(ArchiveChoice(profile.name, path, profile))
    return choices


def _write_local_profile(source: Path, target: Path) -> tuple[Path | None, str]:
    """Copy the archive's own profile to `target`: where it went, or None and why not."""
    try:
        profile = replace(load_profile(source), name=LOCAL_ARCHIVE_NAME)
        save_profile(profile, target)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return None, f"{where}{error.strerror or error}"
    return target, ""


def _remove_profile_if_ours(path: Path, endpoint_url: str) -> None:
    """Leave the file alone if someone (`uploader-gui sandbox`) has since written their own."""
    try:
        if load_profile(path).endpoint_url == endpoint_url:
            path.unlink()
    except (ProblemsFound, OSError):
        pass
