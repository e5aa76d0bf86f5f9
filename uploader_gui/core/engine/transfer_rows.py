"""The last check before a `transfer` row goes into the client log (PROTOCOL.md §8.4).

The validator crashes on: a `transfer ok` for a path it does not expect (`will_transfer=False`,
or not in the index), a second `transfer ok` for one path, a `transfer ok` for a path it already
judged, and any `transfer` row once every expected file is validated. The transfer engine
already reports one `ok` per path; this guard makes those rows impossible whatever an adapter
does, and says why a row was held back.
"""

from __future__ import annotations

from collections.abc import Iterable


class TransferRowGuard:
    """Which `transfer` rows may still be written in this session (engine thread only)."""

    def __init__(self, expected_paths: Iterable[str]) -> None:
        self._expected = frozenset(expected_paths)
        self._reported_ok: set[str] = set()
        self._judged: set[str] = set()

    @property
    def is_everything_judged(self) -> bool:
        """Every expected path has a verdict: the validator counts the transfer complete."""
        return len(self._judged) >= len(self._expected)

    def note_verdict(self, path: str) -> None:
        if path in self._expected:
            self._judged.add(path)

    def refusal(self, path: str, *, is_ok: bool) -> str | None:
        """Why the row `transfer <path> ok|error` must not be written, or None if it may."""
        if path not in self._expected:
            return f"{path} is not a file this session sends"
        if self.is_everything_judged:
            return "every file has been validated; the validator accepts no more transfer rows"
        if path in self._judged:
            return f"{path} was already validated in this session"
        if is_ok and path in self._reported_ok:
            return f"{path} was already reported uploaded in this session"
        return None

    def note_written(self, path: str, *, is_ok: bool) -> None:
        if is_ok:
            self._reported_ok.add(path)
