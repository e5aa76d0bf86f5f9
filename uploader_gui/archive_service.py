"""The archives the app can deliver to: the embedded local archive, and the person's profiles.

The first-run default is the local archive, started for the app session: `start_local_archive()`
starts it on 127.0.0.1 and writes its profile to `profiles_dir/local-archive.toml`, so the
command line (`--profile local-archive`) reaches the same archive while the window is open;
`handle.stop()` stops it and removes that file again (if it still names this archive).

No Qt here, and the sandbox (moto, boto3: about a second of imports) is imported only when an
archive is started, so the window can import this module without loading either. Everything
here blocks: the window calls it from a worker thread.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import Profile, load_profile

if TYPE_CHECKING:
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

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
    """A running local archive: its profile, endpoint and where its profile was written."""

    def __init__(
        self,
        archive: LocalArchive,
        profile_path: Path | None,
        profile_write_error: str = "",
    ) -> None:
        self._archive = archive
        self.profile: Profile = archive.profile(LOCAL_ARCHIVE_NAME)
        self.endpoint_url: str = archive.endpoint_url
        self.bucket_stem: str = archive.network_config.bucket_stem
        self.profile_path = profile_path  # None when it could not be written
        self.profile_write_error = profile_write_error
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
        """Stop the archive and remove its profile file if it still names it (idempotent)."""
        with self._stop_lock:
            if self._is_stopped:
                return
            self._is_stopped = True
            self._archive.stop()
            if self.profile_path is not None:
                _remove_profile_if_ours(self.profile_path, self.endpoint_url)


LocalArchiveStarter = Callable[[], LocalArchiveHandle]


def start_local_archive(
    *,
    profiles_dir: Path | None = None,
    options: SandboxOptions | None = None,
) -> LocalArchiveHandle:
    """Start the embedded local archive (accepting any label) and write its profile.

    Raises OSError when the port cannot be bound, RuntimeError when another local archive in
    this process uses the same bucket stem; nothing is left running then. A profile that cannot
    be written does not stop the archive: the handle says why in `profile_write_error`.
    """
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

    archive = LocalArchive(options or SandboxOptions(auto_accept=True))
    try:
        try:
            archive.start()
        except SystemExit:
            # werkzeug exits the process when the port is taken; here that must be an error.
            where = f"{archive.options.host}:{archive.options.port}"
            raise OSError(errno.EADDRINUSE, f"{where} is in use by another program") from None
        profile_path, write_error = _write_local_profile(archive, profiles_dir)
        return LocalArchiveHandle(archive, profile_path, write_error)
    except BaseException:
        archive.stop()  # a start that failed half-way has provisioned buckets: tear them down
        raise


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


def _write_local_profile(
    archive: LocalArchive, profiles_dir: Path | None
) -> tuple[Path | None, str]:
    """Where the profile was written, or None and why not."""
    try:
        folder = profiles_dir if profiles_dir is not None else app_dirs().profiles_dir
        path = folder / LOCAL_PROFILE_FILENAME
        archive.write_profile(path)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return None, f"{where}{error.strerror or error}"
    return path, ""


def _remove_profile_if_ours(path: Path, endpoint_url: str) -> None:
    """Leave the file alone if someone (`uploader-gui sandbox`) has since written their own."""
    try:
        if load_profile(path).endpoint_url == endpoint_url:
            path.unlink()
    except (ProblemsFound, OSError):
        pass
