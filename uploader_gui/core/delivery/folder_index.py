"""The folder index: every regular file under a folder, with its size, mtime and CRC32.

`build_folder_index` walks the folder, leaves out junk and excluded entries (and says so), reports
every file that cannot be delivered as it is (a problem, which blocks writing the index), and
hashes the rest on every core (big files as ranges on threads, many small files in worker
processes: `core.checksums.parallel_reads` says why).

Decisions, so that the index means the same thing everywhere:

- Paths are relative POSIX paths, sorted by code point. Only regular files are listed.
- Symbolic links are never followed, to folders (no loops) or to files (the upstream
  `mast-upload index` skips them too): each is noted as skipped, not as a problem. Windows
  junctions are treated the same, and a folder reached twice (a bind mount) is listed once.
- Junk (`.DS_Store`, `Thumbs.db`, `desktop.ini`, `._*`, `~$*`, `Icon\\r` and the OS's own
  folders such as `.Trashes` or `System Volume Information`) is skipped unless `skip_junk` is off.
  So are files editors leave beside the data: backups (`frame_0001.fits~`), Emacs auto-saves
  and locks (`#notes.txt#`, `.#notes.txt`) and Vim swap files (`.notes.txt.swp`, `.swo`,
  `.swn`). Those rules are for files only: a folder named `old~` is data someone made.
- An exclude pattern is an `fnmatch` glob, case-sensitive, tried on the relative path and on the
  name; `*` also crosses `/`. A matching folder is skipped whole. A trailing `/` is ignored.
- Problems: a folder or file that cannot be read, a name that is not UTF-8 or holds a line break,
  a backslash or another control character, a path the archive would refuse (see `object_keys`),
  and a file that changed while it was read.
- Cancelling (`is_cancelled`, polled on the calling thread) raises `IndexCancelledError`; a
  partial index is never returned.
- With `reports_files_found`, the walk emits the files it lists in batches (`IndexFilesFound`)
  so a window can show them before they are read; the finished index stays the authority.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from uploader_gui.core.checksums import process_reads
from uploader_gui.core.checksums.crc32 import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_WORKERS,
    FileChangedError,
    FileOutcome,
    FileReading,
    read_files,
)
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.object_keys import check_index_path, printable_path
from uploader_gui.core.errors import UploaderError, UserInputError
from uploader_gui.core.events import (
    Event,
    IndexEntrySkipped,
    IndexFilesFound,
    IndexFinished,
    IndexProgressed,
    IndexStarted,
)

PROGRESS_INTERVAL_S = 0.2
# Files found are reported at least this often while listing, and in batches of at most so many.
FOUND_INTERVAL_S = 0.1
FOUND_BATCH_FILES = 2_000

# casefolded name -> what it is
_JUNK_NAMES = {
    ".ds_store": "macOS Finder folder settings",
    "icon\r": "macOS custom folder icon",
    ".spotlight-v100": "macOS Spotlight index",
    ".fseventsd": "macOS file-system event log",
    ".trashes": "macOS trash",
    ".temporaryitems": "macOS temporary items",
    ".documentrevisions-v100": "macOS document versions",
    "thumbs.db": "Windows thumbnail cache",
    "desktop.ini": "Windows folder settings",
    "$recycle.bin": "Windows recycle bin",
    "system volume information": "Windows system folder",
}
_JUNK_PREFIXES = (("._", "macOS AppleDouble metadata"), ("~$", "Office lock file"))
_JUNK_PREFIX_STARTS = tuple(prefix for prefix, _ in _JUNK_PREFIXES)
_JUNK_NAME_MAX = max(len(name) for name in _JUNK_NAMES)
_VIM_SWAP_SUFFIXES = (".swp", ".swo", ".swn")


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """What to list and how: checksums, exclude globs, junk skipping, threads, read size.

    `leave_out` names files this run writes (the index itself): never listed, noted as skipped.
    `reports_files_found`: emit `IndexFilesFound` batches while listing (off for the CLI, whose
    JSON lines would otherwise carry every path twice).
    """

    compute_checksums: bool = True
    excludes: tuple[str, ...] = ()
    skip_junk: bool = True
    workers: int = DEFAULT_WORKERS
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    leave_out: tuple[Path, ...] = ()
    reports_files_found: bool = False


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    """A path left out, and why; `is_problem` entries block writing the index.

    `path` is printable (undecodable bytes shown as `\\xNN`); folders end with `/`.
    """

    path: str
    reason: str
    is_junk: bool
    is_problem: bool


@dataclass(frozen=True, slots=True)
class FolderIndex:
    """A finished index of `root`: the files, sorted by path, and everything skipped."""

    root: Path
    files: tuple[FileFingerprint, ...]
    skipped: tuple[SkippedEntry, ...]

    @property
    def problems(self) -> tuple[SkippedEntry, ...]:
        """The skipped entries that block writing the index (unless skips are allowed)."""
        return tuple(entry for entry in self.skipped if entry.is_problem)

    @property
    def bytes_total(self) -> int:
        return sum(f.size_bytes for f in self.files)

    @property
    def has_checksums(self) -> bool:
        """Whether every file has a CRC32 (False for an empty index)."""
        return bool(self.files) and all(f.crc32 is not None for f in self.files)


class IndexCancelledError(UploaderError):
    """Indexing stopped because `is_cancelled()` turned true (or the run was interrupted)."""


def _ignore(event: Event) -> None:
    del event


def _never() -> bool:
    return False


def build_folder_index(
    root: Path,
    options: IndexOptions = IndexOptions(),
    *,
    emit: Callable[[Event], None] = _ignore,
    is_cancelled: Callable[[], bool] = _never,
    clock: Callable[[], float] = time.monotonic,
    on_file_read: Callable[[str], None] | None = None,
) -> FolderIndex:
    """Index `root`; UserInputError if it is not a folder, IndexCancelledError if cancelled.

    Events are emitted on the calling thread. `on_file_read(path)` runs on a reading thread after
    a file's bytes were read and before it is checked for changes (a hook for fault injection).
    """
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise UserInputError(f"{root} {what}: choose a folder to index", path=str(root))
    emit(IndexStarted(str(root)))
    skipped: list[SkippedEntry] = []

    def skip(entry: SkippedEntry) -> None:
        skipped.append(entry)
        emit(IndexEntrySkipped(entry.path, entry.reason, entry.is_junk, entry.is_problem))

    progress = _Progress(clock)
    walk = _FolderWalk(root, options, skip, progress, emit, is_cancelled)
    walk.warms_up_processes = options.workers > 1 and on_file_read is None
    listed = walk.run()
    listed.sort(key=lambda f: f.path)
    emit(progress.snapshot())  # everything found, before the first file is read
    files = _read_all(listed, options, progress, skip, emit, is_cancelled, on_file_read)
    emit(progress.snapshot())
    index = FolderIndex(root, tuple(files), tuple(sorted(skipped, key=lambda e: e.path)))
    emit(IndexFinished(str(root), len(files), index.bytes_total, len(skipped), len(index.problems)))
    return index


@dataclass(frozen=True, slots=True)
class _ListedFile:
    root: str  # shared by every file: the OS path is made when the file is read
    path: str
    size_bytes: int

    @property
    def os_path(self) -> str:
        return f"{self.root}/{self.path}"  # Windows takes / as a separator too


class _Progress:
    """Counts the reading threads add bytes to and the calling thread reports, with a throttle."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._last_emitted: float | None = None
        self.files_total = self.bytes_total = self.files_done = self.bytes_done = 0
        self.is_listing = True

    def listed(self, size_bytes: int) -> None:
        self.files_total += 1
        self.bytes_total += size_bytes

    def start_reading(self) -> None:
        self.is_listing = False
        self._started = self.clock()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_done += count

    def due(self) -> bool:
        now = self.clock()
        if self._last_emitted is not None and now - self._last_emitted < PROGRESS_INTERVAL_S:
            return False
        self._last_emitted = now
        return True

    def snapshot(self) -> IndexProgressed:
        files_done, bytes_done = self.files_done, self.bytes_done
        elapsed_s = self.clock() - self._started
        rate = bytes_done / elapsed_s if elapsed_s > 0 else 0.0
        counted = self.files_total if self.is_listing else files_done
        files_per_s = counted / elapsed_s if elapsed_s > 0 else 0.0
        return IndexProgressed(
            files_done,
            self.files_total,
            bytes_done,
            self.bytes_total,
            rate,
            files_per_s=files_per_s,
            is_listing=self.is_listing,
        )


class _FoundFiles:
    """Files listed but not yet reported, sent as one `IndexFilesFound` when full or due."""

    def __init__(self, emit: Callable[[Event], None], clock: Callable[[], float]) -> None:
        self._emit, self._clock = emit, clock
        self._unsent: list[tuple[str, int]] = []
        self._last_sent = clock()

    def add(self, path: str, size_bytes: int) -> None:
        self._unsent.append((path, size_bytes))

    @property
    def is_full(self) -> bool:
        return len(self._unsent) >= FOUND_BATCH_FILES

    def is_due(self) -> bool:
        return bool(self._unsent) and self._clock() - self._last_sent >= FOUND_INTERVAL_S

    def send(self) -> None:
        if self._unsent:
            self._emit(IndexFilesFound(tuple(self._unsent)))
            self._unsent.clear()
        self._last_sent = self._clock()


def _junk_reason(name: str) -> str | None:
    what: str | None = None
    if name.startswith(_JUNK_PREFIX_STARTS):
        what = next(w for prefix, w in _JUNK_PREFIXES if name.startswith(prefix))
    elif len(name) <= _JUNK_NAME_MAX:
        what = _JUNK_NAMES.get(name.casefold())
    return f"junk: {what}" if what else None


def _editor_leftover_reason(name: str) -> str | None:
    """Why a file an editor left beside the data is junk; None for any other file."""
    what: str | None = None
    if name.endswith("~") and not name.startswith("~$"):
        what = "editor backup copy"
    elif len(name) > 2 and name.startswith("#") and name.endswith("#"):
        what = "Emacs auto-save file"
    elif name.startswith(".#"):
        what = "Emacs lock file"
    elif name.startswith(".") and name.endswith(_VIM_SWAP_SUFFIXES) and len(name) > 5:
        what = "Vim swap file"
    return f"junk: {what}" if what else None


def _paths_inside(root: Path, paths: Iterable[Path]) -> frozenset[str]:
    """The relative POSIX paths, under `root`, of those of `paths` that lie inside it."""
    real_root = os.path.realpath(root)
    inside = set()
    for path in paths:
        try:
            relative = os.path.relpath(os.path.realpath(path), real_root)
        except ValueError:  # another drive on Windows
            continue
        if relative != os.curdir and not relative.startswith(os.pardir):
            inside.add(relative.replace(os.sep, "/"))
    return frozenset(inside)


class _FolderWalk:
    """Lists the folder depth-first with `os.scandir`, deciding each entry's fate once."""

    def __init__(
        self,
        root: Path,
        options: IndexOptions,
        skip: Callable[[SkippedEntry], None],
        progress: _Progress,
        emit: Callable[[Event], None],
        is_cancelled: Callable[[], bool],
    ) -> None:
        self.root, self.options, self.skip = root, options, skip
        self.progress, self.emit, self.is_cancelled = progress, emit, is_cancelled
        self.listed: list[_ListedFile] = []
        self._root_path = os.fspath(root)
        self._left_out = _paths_inside(root, options.leave_out)
        self._excludes = tuple(p.rstrip("/") for p in options.excludes if p.rstrip("/"))
        self._found = _FoundFiles(emit, progress.clock) if options.reports_files_found else None
        # Reading so many files will use worker processes: start them while the walk goes on.
        self.warms_up_processes = False

    def run(self) -> list[_ListedFile]:
        """Every folder's entries in code-point order of their paths, a folder's own entries
        visited where its path sorts: so files are found in the order the window's table
        sorts them, and each batch of found files continues the table instead of re-sorting
        it (at a million rows, seconds of the GUI thread per batch)."""
        seen_folders: set[tuple[int, int]] = set()
        root = os.fspath(self.root)
        stack = [("", iter(self._entries("", root, seen_folders)))]
        found = self._found
        while stack:
            prefix, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:  # this folder is done
                stack.pop()
                if found is not None and found.is_due():
                    found.send()
                if self.progress.due():
                    self.emit(self.progress.snapshot())
                continue
            child = self._visit(prefix + entry.name, entry)
            if child is not None:
                if self.is_cancelled():
                    raise IndexCancelledError("indexing was cancelled")
                child_prefix, child_folder = child
                stack.append(
                    (child_prefix, iter(self._entries(child_prefix, child_folder, seen_folders)))
                )
            if found is not None and found.is_full:
                found.send()
        if self.is_cancelled():
            raise IndexCancelledError("indexing was cancelled")
        if found is not None:
            found.send()
        return self.listed

    def _entries(
        self, prefix: str, folder: str, seen: set[tuple[int, int]]
    ) -> list[os.DirEntry[str]]:
        try:
            folder_stat = os.stat(folder)
            folder_id = (folder_stat.st_dev, folder_stat.st_ino)
            if folder_id in seen and folder_id != (0, 0):
                self._note(prefix, "folder already listed under another path, not listed again")
                return []
            seen.add(folder_id)
            with os.scandir(folder) as entries:
                return sorted(entries, key=_path_order)
        except OSError as error:
            self._note(prefix, f"folder could not be read: {_os_reason(error)}", is_problem=True)
            return []

    def _visit(self, path: str, entry: os.DirEntry[str]) -> tuple[str, str] | None:
        """Lists, skips or descends into one entry; returns a folder to descend into."""
        try:
            left_out_reason = self._left_out_reason(path, entry.name)
            if left_out_reason is not None:
                is_junk = left_out_reason.startswith("junk")
                suffix = "/" if entry.is_dir(follow_symlinks=False) else ""
                self._note(path + suffix, left_out_reason, is_junk=is_junk)
            elif entry.is_file(follow_symlinks=False):
                leftover = _editor_leftover_reason(entry.name) if self.options.skip_junk else None
                if leftover is None:
                    self._list_file(path, entry)
                else:
                    self._note(path, leftover, is_junk=True)
            elif entry.is_dir(follow_symlinks=False):
                if not _is_junction(entry):
                    return path + "/", entry.path
                self._note(path + "/", "junction, not followed")
            elif entry.is_symlink():
                self._note(path, "symbolic link, not followed")
            else:
                kind = _file_kind(entry.stat(follow_symlinks=False).st_mode)
                self._note(path, f"not a regular file ({kind})")
        except OSError as error:
            self._note(path, f"could not be examined: {_os_reason(error)}", is_problem=True)
        return None

    def _left_out_reason(self, path: str, name: str) -> str | None:
        if path in self._left_out:
            return "the index file this run writes"
        if self.options.skip_junk and (junk := _junk_reason(name)) is not None:
            return junk
        for pattern in self._excludes:
            if fnmatchcase(path, pattern) or fnmatchcase(name, pattern):
                return f"excluded by the pattern {pattern!r}"
        return None

    def _list_file(self, path: str, entry: os.DirEntry[str]) -> None:
        rejection = check_index_path(path)
        if rejection is not None:
            self._note(path, f"{rejection.reason}; {rejection.fix}", is_problem=True)
            return
        size_bytes = entry.stat(follow_symlinks=False).st_size
        self.listed.append(_ListedFile(self._root_path, path, size_bytes))
        self.progress.listed(size_bytes)
        if self.warms_up_processes and len(self.listed) == process_reads.PROCESS_MIN_FILES:
            process_reads.warm_up(self.options.workers)
        if self._found is not None:
            self._found.add(path, size_bytes)

    def _note(
        self, path: str, reason: str, *, is_junk: bool = False, is_problem: bool = False
    ) -> None:
        self.skip(SkippedEntry(printable_path(path) or "./", reason, is_junk, is_problem))


def _path_order(entry: os.DirEntry[str]) -> str:
    """A folder sorts as its name and a "/", as every path inside it begins: visiting entries
    in this order lists the files in code-point order of their whole paths."""
    try:
        is_folder = entry.is_dir(follow_symlinks=False)
    except OSError:
        is_folder = False
    return entry.name + "/" if is_folder else entry.name


def _is_junction(entry: os.DirEntry[str]) -> bool:
    is_junction = getattr(entry, "is_junction", None)  # Python 3.12+, Windows only in effect
    return bool(is_junction()) if is_junction is not None else False


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)


def _read_all(
    listed: list[_ListedFile],
    options: IndexOptions,
    progress: _Progress,
    skip: Callable[[SkippedEntry], None],
    emit: Callable[[Event], None],
    is_cancelled: Callable[[], bool],
    on_file_read: Callable[[str], None] | None,
) -> list[FileFingerprint]:
    """Reads every listed file on `options.workers` threads; results in `listed` order."""
    outcomes: list[FileFingerprint | None] = [None] * len(listed)
    progress.start_reading()
    reads = read_files(
        listed,
        compute_checksums=options.compute_checksums,
        workers=max(1, options.workers),
        chunk_bytes=options.chunk_bytes,
        on_bytes_read=progress.add_bytes,
        after_read=(lambda position: on_file_read(listed[position].path)) if on_file_read else None,
        wait_s=PROGRESS_INTERVAL_S,
        allow_processes=True,
    )
    with closing(reads):
        for finished in reads:
            for position, outcome in sorted(finished, key=lambda pair: pair[0]):
                outcomes[position] = _indexed_or_skipped(listed[position], outcome, skip)
            progress.files_done += len(finished)
            if is_cancelled():
                raise IndexCancelledError("indexing was cancelled")
            if progress.due():
                emit(progress.snapshot())
    return [f for f in outcomes if f is not None]


def _indexed_or_skipped(
    listed_file: _ListedFile, outcome: FileOutcome, skip: Callable[[SkippedEntry], None]
) -> FileFingerprint | None:
    if isinstance(outcome, FileReading):
        return FileFingerprint(
            listed_file.path, outcome.size_bytes, outcome.mtime_ns, outcome.crc32
        )
    if isinstance(outcome, FileChangedError):
        reason = (
            f"changed while it was being read ({outcome.detail}) — index again once nothing is "
            "writing to it"
        )
    elif isinstance(outcome, FileNotFoundError):
        reason = "vanished after it was listed"
    else:
        reason = f"could not be read: {_os_reason(outcome)}"
    skip(SkippedEntry(listed_file.path, reason, is_junk=False, is_problem=True))
    return None
