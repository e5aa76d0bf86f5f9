"""A delivery's inputs (`DeliveryInput`), read for the session: the label, and the provider's
index or the folder.

With an index, the files are the index's paths, each stat-ed under the source folder; their
CRC32 is the index's checksum when it has one. Without one, the folder is listed as
`uploader-gui index` lists it and every file gets a CRC32: a file whose size and mtime match
what the state store recorded for this delivery reuses the stored CRC32 (a rerun does not read
50 GB again to find that nothing changed); the others are hashed, in parallel.

Runs on the engine thread; every problem is a `ProblemsFound` or `UserInputError` (nothing sent).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.checksums.crc32 import (
    FileReading,
    read_files,
)
from uploader_gui.core.delivery.delivery_input import TRANSFER_TYPES, DeliveryInput
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import IndexOptions, build_folder_index
from uploader_gui.core.delivery.index_file import IndexEntry, read_provider_index
from uploader_gui.core.delivery.label import Label, parse_label
from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.engine.ports import DeliveryRequest
from uploader_gui.core.errors import UserInputError
from uploader_gui.core.events import Event
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.local_lock import LocalDeliveryLock


@dataclass(frozen=True, slots=True)
class _ToHash:
    os_path: str
    size_bytes: int


def _ignore(event: Event) -> None:
    del event


class RequestFromFiles:
    """The session's `RequestLoader`: reads everything when called (on the engine thread)."""

    def __init__(
        self,
        inputs: DeliveryInput,
        store: StateStore,
        *,
        emit: Callable[[Event], None] = _ignore,
    ) -> None:
        self._inputs = inputs
        self._store = store
        self._emit = emit
        self.local_lock: LocalDeliveryLock | None = None
        self.request: DeliveryRequest | None = None

    def __call__(self) -> DeliveryRequest:
        inputs = self._inputs
        if inputs.transfer_type not in TRANSFER_TYPES:
            raise UserInputError(f"unknown transfer type {inputs.transfer_type!r}")
        source = inputs.source.expanduser()
        if not source.is_dir():
            what = "does not exist" if not source.exists() else "is not a folder"
            raise UserInputError(f"{source} {what}: choose the data folder", path=str(source))
        source = source.resolve()
        label = parse_label(inputs.label_path)
        self._lock_delivery(label)
        if inputs.index_path is not None:
            files, entries = _from_provider_index(inputs.index_path, source)
        else:
            known = {**self._listed_fingerprints(source), **self._known_fingerprints(label, source)}
            files, entries = _from_folder(source, known, self._emit)
        self.request = DeliveryRequest(
            profile_name=inputs.profile_name,
            label=label,
            transfer_type=inputs.transfer_type,
            source_root=str(source),
            files=tuple(files),
            index_entries=tuple(entries),
            label_path=str(inputs.label_path),
            index_path=str(inputs.index_path or ""),
        )
        return self.request

    def _lock_delivery(self, label: Label) -> None:
        """Held until `release()`: no second uploader of this delivery on this computer."""
        if self.local_lock is None:
            lock = LocalDeliveryLock(label.dataset, label.delivery_id)
            lock.acquire()
            self.local_lock = lock

    def release(self) -> None:
        if self.local_lock is not None:
            self.local_lock.release()
            self.local_lock = None

    def _listed_fingerprints(self, source: Path) -> dict[str, FileFingerprint]:
        """The fingerprints of the caller's own listing of this same folder, if any."""
        listed = self._inputs.listed
        if listed is None or not listed.has_checksums or listed.root.resolve() != source:
            return {}
        return {f.path: f for f in listed.files if f.crc32 is not None}

    def _known_fingerprints(self, label: Label, source: Path) -> dict[str, FileFingerprint]:
        """The fingerprints the store remembers for this delivery's files from `source`."""
        record = self._store.latest_delivery(
            profile_name=self._inputs.profile_name,
            dataset=label.dataset,
            delivery_id=label.delivery_id,
            transfer_type=self._inputs.transfer_type,
        )
        if record is None or record.source_root != str(source):
            return {}
        files = self._store.delivery_files(record.key)
        known: dict[str, FileFingerprint] = {}
        for path, _ in files.states():
            saved = files.record(path).file
            if saved.crc32 is not None:
                known[path] = saved
        return known


def _from_provider_index(
    index_path: Path, source: Path
) -> tuple[list[FileFingerprint], list[IndexEntry | FileFingerprint]]:
    index = read_provider_index(index_path, source_root=source)
    files: list[FileFingerprint] = []
    problems: list[Problem] = []
    for entry in index.entries:
        try:
            status = os.stat(source / entry.path)
        except OSError as exc:
            problems.append(Problem(str(index_path), f"{entry.path}: {exc.strerror}", entry.line))
            continue
        files.append(FileFingerprint(entry.path, status.st_size, status.st_mtime_ns, entry.crc32))
    if problems:
        raise ProblemsFound(problems)
    return files, list(index.entries)


def _from_folder(
    source: Path,
    known: Mapping[str, FileFingerprint],
    emit: Callable[[Event], None],
) -> tuple[list[FileFingerprint], list[IndexEntry | FileFingerprint]]:
    """The folder listed again; a CRC32 is computed only for files not known unchanged."""
    folder = build_folder_index(source, IndexOptions(compute_checksums=False), emit=emit)
    if folder.problems:
        raise ProblemsFound(
            [Problem(str(source / entry.path), entry.reason) for entry in folder.problems]
        )
    files: dict[str, FileFingerprint] = {}
    to_hash: list[FileFingerprint] = []
    for listed in folder.files:
        saved = known.get(listed.path)
        if saved is not None and not listed.has_changed_from(saved):
            files[listed.path] = listed._replace(crc32=saved.crc32)
        else:
            to_hash.append(listed)
    files.update(_hash(source, to_hash))
    in_order = [files[listed.path] for listed in folder.files]
    return in_order, list(in_order)


def _hash(source: Path, listed: list[FileFingerprint]) -> dict[str, FileFingerprint]:
    """Each file as read, with its CRC32; ProblemsFound for any that cannot be."""
    targets = [_ToHash(str(source / f.path), f.size_bytes) for f in listed]
    results: dict[str, FileFingerprint] = {}
    problems: list[Problem] = []
    with closing(read_files(targets)) as reads:
        for finished in reads:
            for position, outcome in finished:
                path = listed[position].path
                if isinstance(outcome, FileReading) and outcome.crc32 is not None:
                    results[path] = FileFingerprint(
                        path, outcome.size_bytes, outcome.mtime_ns, outcome.crc32
                    )
                else:
                    problems.append(Problem(str(source / path), f"cannot be read: {outcome}"))
    if problems:
        raise ProblemsFound(problems)
    return results
