"""Which files a resumed delivery skips, and why (PROTOCOL.md §9, plus the check upstream lacks).

Upstream skips a file when its last validation verdict is `ok` and its key exists in the transfer
bucket. We also compare the archive copy's size and CRC32 (from HEAD) with the local index, so a
file changed on disk since it was validated is uploaded again instead of silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from uploader_gui.core.errors import UploaderError
from uploader_gui.core.protocol.log_rows import LogRow, MalformedRow


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """What HEAD says about a data object in the transfer bucket."""

    size_bytes: int
    crc32: str | None


@dataclass(frozen=True, slots=True)
class ResumeScan:
    """Every index path in exactly one bucket, with the reason where it is re-uploaded."""

    valid: tuple[str, ...] = ()
    never_validated: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    invalid: Mapping[str, str] = field(default_factory=dict)
    changed: Mapping[str, str] = field(default_factory=dict)
    # False when the archive has no validator log for the delivery at all: it has never seen
    # a session of it (or lost them: `core.engine.archive_forgot`).
    archive_has_record: bool = True
    _valid_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_valid_set", frozenset(self.valid))

    @property
    def nothing_to_do(self) -> bool:
        return bool(self.valid) and not (
            self.never_validated or self.missing or self.invalid or self.changed
        )

    def will_transfer(self, path: str) -> bool:
        return path not in self._valid_set

    def summary_lines(self) -> list[str]:
        lines = []
        if self.valid:
            lines.append(f"{len(self.valid):,} files were validated before and are unchanged")
        if self.missing:
            lines.append(
                f"{len(self.missing):,} files were validated before but are no longer in the "
                "archive; they will be uploaded again"
            )
        if self.invalid:
            lines.append(
                f"{len(self.invalid):,} files failed validation; they will be uploaded again"
            )
        if self.changed:
            lines.append(
                f"{len(self.changed):,} files differ from the archive copy that was validated; "
                "they will be uploaded again"
            )
        return lines


class NothingToDo(UploaderError):
    """Every file of the index was validated before and is unchanged: nothing to upload."""

    def __init__(self, scan: ResumeScan) -> None:
        super().__init__(f"all {len(scan.valid):,} files are already valid in the archive")
        self.scan = scan


def last_verdicts(rows: Iterable[LogRow | MalformedRow]) -> dict[str, LogRow]:
    """The last `validation` row per ref across every past session of the validator log."""
    verdicts: dict[str, LogRow] = {}
    for row in rows:
        if isinstance(row, LogRow) and row.category == "validation":
            verdicts[row.ref] = row
    return verdicts


def _difference(
    remote: RemoteObject, expected_crc32: str | None, local_size_bytes: int | None
) -> str | None:
    if local_size_bytes is not None and remote.size_bytes != local_size_bytes:
        return f"archive copy has {remote.size_bytes} bytes, the local file {local_size_bytes}"
    if expected_crc32 is not None and remote.crc32 != expected_crc32:
        shown = remote.crc32 or "no CRC32"
        return f"archive copy has CRC32 {shown}, the index says {expected_crc32}"
    return None


def plan_resume(
    index_checksums: Mapping[str, str | None],
    verdicts: Mapping[str, LogRow],
    bucket_keys: Iterable[str],
    remote_objects: Mapping[str, RemoteObject],
    local_sizes: Mapping[str, int] | None = None,
) -> ResumeScan:
    """Classify every index path. `remote_objects` holds HEAD results for the `ok`+present ones."""
    present = frozenset(bucket_keys)
    valid: list[str] = []
    fresh: list[str] = []
    missing: list[str] = []
    invalid: dict[str, str] = {}
    changed: dict[str, str] = {}
    for path, expected_crc32 in index_checksums.items():
        verdict = verdicts.get(path)
        if verdict is None:
            fresh.append(path)
        elif verdict.status != "ok":
            invalid[path] = verdict.message or verdict.status
        elif path not in present or path not in remote_objects:
            missing.append(path)
        else:
            local_size = local_sizes.get(path) if local_sizes is not None else None
            reason = _difference(remote_objects[path], expected_crc32, local_size)
            if reason is None:
                valid.append(path)
            else:
                changed[path] = reason
    return ResumeScan(tuple(valid), tuple(fresh), tuple(missing), invalid, changed)


def needs_head(
    index_paths: Iterable[str], verdicts: Mapping[str, LogRow], bucket_keys: Iterable[str]
) -> list[str]:
    """Paths whose last verdict is `ok` and whose key is listed: the ones to HEAD."""
    present = frozenset(bucket_keys)
    return [
        path
        for path in index_paths
        if (verdict := verdicts.get(path)) is not None
        and verdict.status == "ok"
        and path in present
    ]
