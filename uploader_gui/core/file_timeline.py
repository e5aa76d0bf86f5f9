"""One file's details as a person reads them: what it is, how it is doing, and its timeline.

The state store's journal holds terse rows (`state` / `retrying: retrying in 8 s: …`,
`hashed` / `1024 bytes, crc32 1a2b3c4d`, one `part` row per part…). `timeline_lines` turns them
into lines such as `10:42:03  uploading (attempt 2)` or `10:42:09  uploaded, CRC32 1a2b3c4d`,
in local time; `details_text` is the whole pane as plain text, the same words the Copy button
puts on the clipboard. Kinds it does not know are shown as they are, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from uploader_gui.core.formatting import count_text, exact_bytes_text, human_size, state_label

NO_HISTORY_TEXT = "No history yet: the file has not been sent"
TIMELINE_HEADING = "Timeline"
_VERDICT_OK = "ok"
_HASHED = re.compile(r"(?P<size>\d+) bytes, crc32 (?P<crc>[0-9a-fA-F]{1,8})")
_PART = re.compile(r"part (?P<number>\d+) \((?P<size>\d+) bytes\)")
_INDENT = "  "


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One journal row: when (UTC ISO 8601, as the store writes it), what kind, the detail."""

    at: str
    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FileDetails:
    """What the details pane shows about one file. `has_history` is False before the state
    store knows the file (no delivery started yet): then only the table's facts are known."""

    path: str
    size_bytes: int
    state: str
    message: str = ""
    attempts: int = 0
    crc32: int | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    has_history: bool = False


def crc32_text(crc32: int) -> str:
    """`0x1a2b3c4d` → `"1a2b3c4d"` (eight hex digits, as the index and the archive write it)."""
    return f"{crc32:08x}"


def local_time_text(at: str, zone: tzinfo | None = None) -> str:
    """A store timestamp in local time (`zone` for tests): `2026-12-03 10:42:03`."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def details_text(details: FileDetails, zone: tzinfo | None = None) -> str:
    """The whole details as plain text: the facts, then the timeline (or why there is none)."""
    state = state_label(details.state)
    size = human_size(details.size_bytes)
    if details.size_bytes >= 1024:
        size = f"{size} ({exact_bytes_text(details.size_bytes)})"
    lines = [details.path, f"Size: {size}", f"State: {state}"]
    if details.message:
        lines.extend(_indented("Message: ", details.message))
    if not details.has_history:
        return "\n".join([*lines, "", NO_HISTORY_TEXT])
    lines.append(f"Attempts: {details.attempts:,}")
    if details.crc32 is not None:
        lines.append(f"CRC32: {crc32_text(details.crc32)}")
    lines.extend(("", TIMELINE_HEADING))
    lines.extend(timeline_lines(details.timeline, zone, crc32=details.crc32))
    return "\n".join(lines)


def timeline_lines(
    entries: Sequence[TimelineEntry], zone: tzinfo | None = None, *, crc32: int | None = None
) -> list[str]:
    """Each journal row as `<local time>  <what happened>`; runs of parts become one line.

    `crc32`: the file's checksum as saved, for an upload whose journal has no `hashed` row."""
    lines: list[str] = []
    for at, text in _readable(entries, crc32):
        stamp = f"{local_time_text(at, zone)}  "
        lines.extend(_indented(stamp, text))
    return lines


def _readable(entries: Sequence[TimelineEntry], crc32: int | None) -> Iterator[tuple[str, str]]:
    attempt = 0
    if crc32 is None:
        crc32 = _last_hashed_crc32(entries)
    for run in _part_runs(entries):
        if isinstance(run, _PartRun):
            yield run.at, run.text()
            continue
        entry = run
        if entry.kind == "state":
            state, _, reason = entry.detail.partition(": ")
            if state == "transferring":
                attempt += 1
                yield entry.at, f"uploading (attempt {attempt})"
                continue
            yield entry.at, _state_line(state, reason, crc32)
        elif entry.kind == "not counted":
            attempt = max(0, attempt - 1)
            yield entry.at, f"not counted as an attempt: {entry.detail}"
        elif entry.kind == "hashed":
            yield entry.at, _hashed_line(entry.detail)
        elif entry.kind == "note":
            yield entry.at, entry.detail
        else:
            yield entry.at, f"{entry.kind}: {entry.detail}" if entry.detail else entry.kind


def _state_line(state: str, reason: str, crc32: int | None) -> str:
    if state == "done":
        return "uploaded" if crc32 is None else f"uploaded, CRC32 {crc32_text(crc32)}"
    if state == "retrying" and reason:
        return reason  # the engine writes "retrying in 8 s: <error>" or "waiting for …: …"
    if state == "valid" and reason in ("", _VERDICT_OK):
        return "valid"
    if state == "ready" and reason:
        return f"back to ready: {reason}"
    label = state_label(state)
    return f"{label}: {reason}" if reason else label


def _last_hashed_crc32(entries: Sequence[TimelineEntry]) -> int | None:
    for entry in reversed(entries):
        match = _HASHED.fullmatch(entry.detail) if entry.kind == "hashed" else None
        if match is not None:
            return int(match["crc"], 16)
    return None


def _hashed_line(detail: str) -> str:
    match = _HASHED.fullmatch(detail)
    if match is None:
        return f"hashed: {detail}" if detail else "hashed"
    size = human_size(int(match["size"]))
    return f"hashed: {size}, CRC32 {crc32_text(int(match['crc'], 16))}"


@dataclass
class _PartRun:
    """Consecutive `part` rows: a large file sends thousands, one line says how far it got."""

    at: str
    first: int
    last: int
    size_bytes: int
    count: int = 1

    def text(self) -> str:
        size = human_size(self.size_bytes)
        if self.count == 1:
            return f"part {self.first} sent ({size})"
        return f"{count_text(self.count, 'part')} sent, {self.first}–{self.last} ({size})"


def _part_runs(entries: Iterable[TimelineEntry]) -> Iterator[TimelineEntry | _PartRun]:
    run: _PartRun | None = None
    for entry in entries:
        match = _PART.fullmatch(entry.detail) if entry.kind == "part" else None
        if match is None:
            if run is not None:
                yield run
                run = None
            yield entry
            continue
        number, size = int(match["number"]), int(match["size"])
        if run is None:
            run = _PartRun(entry.at, number, number, size)
        else:
            run.at, run.last, run.count = entry.at, number, run.count + 1
            run.size_bytes += size
    if run is not None:
        yield run


def _indented(first_prefix: str, text: str) -> list[str]:
    """A possibly multi-line text under a prefix: later lines indented to stay readable."""
    # Messages often end in a newline (the validator's YAML report): no empty line for it.
    first, *rest = text.rstrip().split("\n") if text else [""]
    return [first_prefix + first, *(_INDENT + line for line in rest)]
