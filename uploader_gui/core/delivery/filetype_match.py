"""Which filetype each file gets, by the archive's rules, and why a file gets none.

The archive's validator (PROTOCOL.md §5.2, upstream `parse_index_file`) takes each index path's
basename, `PurePosixPath(path).name`, applies every include pattern with `re.match` (anchored
at the START of the name, not at its end), subtracts the exclusions, and refuses the delivery
when a file falls in two filetypes, when a filetype has no file (unless `missing_filetypes_ok`)
or when a file has no filetype (unless `no_assigned_filetype_ok`).

Upstream's local tools instead `search` the whole path, so `\\.fits$` or `raw/.*` look right on
the partner's machine and match nothing at the archive. Wherever the two rules disagree, the
problems and hints here say so, with the pattern and a corrected one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from uploader_gui.core.delivery.label import Filetype, Label
from uploader_gui.core.delivery.problems import Problem

# Per kind of problem (one collision pair, unassigned files), list this many files, then count.
MAX_LISTED_PER_KIND = 20
ARCHIVE_RULE = "the archive matches each pattern from the START of the file NAME (no folders)"
SEARCH_RULE = "a search anywhere in the full path (what mast-upload and regex testers do)"
_OPTIONS_KEY = "delivery_meta.global_validation_options"


@dataclass(frozen=True)
class FiletypeMatch:
    """The archive's view of a file list: each path's filetype, and what it would refuse."""

    assignments: Mapping[str, str | None]  # path -> filetype name (None: no filetype)
    problems: tuple[Problem, ...]  # each one alone makes the archive refuse the delivery
    hints: tuple[Problem, ...]  # where local habits and the archive's rule disagree, etc.
    # The error upstream's validator would stop with first (names instead of its object reprs).
    server_error: str | None = None

    @property
    def is_accepted(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str | None, int]:
        """Files per filetype name (None: files with no filetype)."""
        counts: dict[str | None, int] = {}
        for name in self.assignments.values():
            counts[name] = counts.get(name, 0) + 1
        return counts


@dataclass(frozen=True)
class _Compiled:
    filetype: Filetype
    includes: tuple[re.Pattern[str], ...]
    excludes: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, filetype: Filetype) -> _Compiled:
        includes = tuple(re.compile(p) for p in filetype.include_patterns)
        return cls(filetype, includes, tuple(re.compile(p) for p in filetype.exclude_patterns))

    def archive_matches(self, basenames: Sequence[str]) -> list[str]:
        """The basenames this filetype claims under the archive's rule."""
        if not self.includes:
            return []
        include = _any_match(self.includes)
        claimed = [name for name in basenames if include(name)]
        if claimed and self.excludes:
            exclude = _any_match(self.excludes)
            claimed = [name for name in claimed if not exclude(name)]
        return claimed

    def search_pattern(self, path: str) -> re.Pattern[str] | None:
        """Upstream's local `covers_file`: the include that finds `path` by search, if kept."""
        for pattern in self.includes:
            if pattern.search(path):
                return None if any(e.search(path) for e in self.excludes) else pattern
        return None


def _any_match(patterns: Sequence[re.Pattern[str]]) -> Callable[[str], object]:
    """`re.match` by any of the patterns, as one alternation where that means the same."""
    if len(patterns) == 1:
        return patterns[0].match
    # Groups would renumber back-references and inline flags must stay first: keep those apart.
    if all(p.groups == 0 and p.flags == re.UNICODE for p in patterns):
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns)).match
    return lambda name: any(p.match(name) for p in patterns)


def match_filetypes(
    label: Label, paths: Sequence[str], *, max_listed: int = MAX_LISTED_PER_KIND
) -> FiletypeMatch:
    """Classify `paths` exactly as the archive would under `label`, with every problem."""
    basename_of = {path: archive_basename(path) for path in paths}
    basenames = list(dict.fromkeys(basename_of.values()))
    compiled = [_Compiled.of(filetype) for filetype in label.filetypes]
    owners: dict[str, list[int]] = {}
    claimed_counts = []
    for position, filetype in enumerate(compiled):
        claimed = filetype.archive_matches(basenames)
        claimed_counts.append(len(claimed))
        for name in claimed:
            owners.setdefault(name, []).append(position)
    assignments: dict[str, str | None] = {}
    for path, name in basename_of.items():
        owner = owners.get(name)
        assignments[path] = label.filetypes[owner[0]].name if owner else None
    report = _Report(label, compiled, claimed_counts, max_listed)
    report.empty_filetypes(list(basename_of))
    report.collisions(basename_of, owners)
    report.unassigned([path for path, name in assignments.items() if name is None])
    report.static_pattern_hints()
    report.exclusion_hints(assignments)
    server_error = _first_server_error(label, claimed_counts, owners, paths, assignments)
    return FiletypeMatch(assignments, tuple(report.problems), tuple(report.hints), server_error)


def archive_basename(path: str) -> str:
    """`PurePosixPath(path).name`, the name the archive matches, without its cost per path."""
    name = path.rpartition("/")[2]
    # Only an empty or "." last segment makes pathlib look further back.
    return name if name not in ("", ".") else PurePosixPath(path).name


def _first_server_error(
    label: Label,
    claimed_counts: Sequence[int],
    owners: Mapping[str, Sequence[int]],
    paths: Sequence[str],
    assignments: Mapping[str, str | None],
) -> str | None:
    """Upstream stops at the first failing filetype, in label order, then counts the rest."""
    first_collision: dict[int, set[int]] = {}
    for positions in owners.values():
        if len(positions) > 1:
            first_collision.setdefault(positions[1], set()).add(positions[0])
    for position, filetype in enumerate(label.filetypes):
        if not label.missing_filetypes_ok and claimed_counts[position] == 0:
            return f"No examples of filetype {filetype.name} in index"
        if position in first_collision:
            others = ", ".join(label.filetypes[i].name for i in sorted(first_collision[position]))
            return f"Filename definition for {filetype.name} collides with {others}"
    missing = sum(1 for path in paths if assignments[path] is None)
    if missing and not label.no_assigned_filetype_ok:
        return f"Unable to assign types to {missing}/{len(paths)} files"
    return None


class _Report:
    """Builds the problems and hints of one match."""

    def __init__(
        self,
        label: Label,
        compiled: Sequence[_Compiled],
        claimed_counts: Sequence[int],
        max_listed: int,
    ) -> None:
        self.label = label
        self.compiled = compiled
        self.claimed_counts = claimed_counts
        self.max_listed = max_listed
        self.problems: list[Problem] = []
        self.hints: list[Problem] = []

    def _label_problem(self, filetype: Filetype, message: str, fix: str) -> Problem:
        key = f"filetypes.{filetype.name}.filename"
        return Problem(self.label.source_name, message, line=filetype.line, key=key, fix=fix)

    def collisions(self, basename_of: Mapping[str, str], owners: Mapping[str, list[int]]) -> None:
        by_group: dict[tuple[int, ...], list[str]] = {}
        for path, name in basename_of.items():
            owned_by = owners.get(name, [])
            if len(owned_by) > 1:
                by_group.setdefault(tuple(owned_by), []).append(path)
        for group, group_paths in by_group.items():
            names = [self.label.filetypes[i].name for i in group]
            both = _and_list(names)
            fix = (
                f"make the patterns of {both} exclusive, e.g. add an exclusion '(?!)…' to one; "
                f'the archive refuses the delivery ("Filename definition for {names[1]} '
                f'collides with {names[0]}")'
            )
            for path in group_paths[: self.max_listed]:
                self.problems.append(Problem(path, f"matches filetypes {both}", fix=fix))
            if len(group_paths) > self.max_listed:
                more = len(group_paths) - self.max_listed
                message = f"{_files(more)} more match filetypes {both}"
                last = self.label.filetypes[group[-1]]
                self.problems.append(self._label_problem(last, message, fix))

    def empty_filetypes(self, paths: Sequence[str]) -> None:
        for compiled, count in zip(self.compiled, self.claimed_counts, strict=True):
            if count:
                continue
            filetype = compiled.filetype
            found = [path for path in paths if compiled.search_pattern(path)]
            message = f"filetype {_quoted(filetype.name)} matches no file"
            if filetype.ignore:
                message += " (a filetype with ignore: true needs a file too)"
            if found:
                message += (
                    f"; {SEARCH_RULE} would find {_files(len(found))}, e.g. {_quoted(found[0])}, "
                    f"but {ARCHIVE_RULE}"
                )
                fix = _pattern_fix(compiled, found[0])
            else:
                fix = "correct its filename patterns or add its files"
            if self.label.missing_filetypes_ok:
                self.hints.append(
                    self._label_problem(filetype, message + " (allowed: missing_filetypes_ok)", fix)
                )
            else:
                fix += f", or set {_OPTIONS_KEY}.missing_filetypes_ok: true"
                self.problems.append(self._label_problem(filetype, message, fix))

    def unassigned(self, unassigned: Sequence[str]) -> None:
        if not unassigned:
            return
        if self.label.no_assigned_filetype_ok:
            message = (
                f"{_files(len(unassigned))} match no filetype (allowed by "
                "no_assigned_filetype_ok): the archive only checks that they arrived intact, "
                f"e.g. {_quoted(unassigned[0])}"
            )
            self.hints.append(Problem(self.label.source_name, message, key=_OPTIONS_KEY))
            return
        generic_fix = (
            "add a filetype whose pattern matches this file name from its start (e.g. '.*\\.txt$'"
            f" for any .txt file), remove the file, or set {_OPTIONS_KEY}."
            "no_assigned_filetype_ok: true"
        )
        for path in unassigned[: self.max_listed]:
            message, fix = self._why_unassigned(path)
            self.problems.append(Problem(path, message, fix=fix or generic_fix))
        if len(unassigned) > self.max_listed:
            more = len(unassigned) - self.max_listed
            message = f"{_files(more)} more match no filetype"
            self.problems.append(Problem(self.label.source_name, message, fix=generic_fix))
        self._search_only_hints(unassigned)

    def _why_unassigned(self, path: str) -> tuple[str, str]:
        """The message for a file with no filetype, and a specific fix where one is known."""
        basename = archive_basename(path)
        for compiled in self.compiled:
            if any(p.match(basename) for p in compiled.includes):
                exclusion = next(e for e in compiled.excludes if e.match(basename))
                name = _quoted(compiled.filetype.name)
                message = (
                    f"matches no filetype: the exclusion '(?!){exclusion.pattern}' takes it out "
                    f"of {name}, and an excluded file still needs a filetype"
                )
                return message, "add a filetype for these files, or remove them"
        for compiled in self.compiled:
            if compiled.search_pattern(path):
                name = _quoted(compiled.filetype.name)
                message = f"matches no filetype; {SEARCH_RULE} would put it in {name}, but "
                return message + ARCHIVE_RULE, _pattern_fix(compiled, path)
        return "matches no filetype", ""

    def _search_only_hints(self, unassigned: Sequence[str]) -> None:
        """Per pattern: how many files without a filetype a path search would have claimed."""
        for compiled, claimed in zip(self.compiled, self.claimed_counts, strict=True):
            if not claimed:  # already explained where the empty filetype is reported
                continue
            counts: dict[str, int] = {}
            for path in unassigned:
                pattern = compiled.search_pattern(path)
                if pattern is not None:
                    counts[pattern.pattern] = counts.get(pattern.pattern, 0) + 1
            for pattern_text, count in counts.items():
                message = (
                    f"pattern {_quoted(pattern_text)} matches {_files(count)} by {SEARCH_RULE}, "
                    f"but none of them under the archive's rule: {ARCHIVE_RULE}"
                )
                fix = f"write {_quoted(suggest_archive_pattern(pattern_text))}"
                self.hints.append(self._label_problem(compiled.filetype, message, fix))

    def static_pattern_hints(self) -> None:
        for filetype in self.label.filetypes:
            patterns = [
                *filetype.include_patterns,
                *(f"(?!){p}" for p in filetype.exclude_patterns),
            ]
            for pattern in patterns:
                if has_literal_slash(pattern.removeprefix("(?!)")):
                    message = (
                        f"pattern {_quoted(pattern)} contains '/', but the archive matches file "
                        "NAMES only, which never contain '/': it cannot match a folder"
                    )
                    fix = f"match the name only, e.g. {_quoted(suggest_archive_pattern(pattern))}"
                    self.hints.append(self._label_problem(filetype, message, fix))

    def exclusion_hints(self, assignments: Mapping[str, str | None]) -> None:
        """Exclusions that a path search would apply but the archive's anchored match does not."""
        paths_of: dict[str | None, list[str]] = {}
        for path, owner in assignments.items():
            paths_of.setdefault(owner, []).append(path)
        for compiled in self.compiled:
            name = compiled.filetype.name
            kept = paths_of.get(name, [])
            for pattern in compiled.excludes:
                missed = [path for path in kept if pattern.search(path)]
                if missed:
                    message = (
                        f"exclusion '(?!){pattern.pattern}' would drop {_files(len(missed))} "
                        f"from {_quoted(name)} by {SEARCH_RULE}, e.g. {_quoted(missed[0])}, "
                        f"but {ARCHIVE_RULE}, so the archive keeps them in it"
                    )
                    fix = f"write '(?!){suggest_archive_pattern(pattern.pattern)}'"
                    self.hints.append(self._label_problem(compiled.filetype, message, fix))


def _pattern_fix(compiled: _Compiled, path: str) -> str:
    pattern = compiled.search_pattern(path)
    if pattern is None:
        return "correct its filename patterns"
    better = suggest_archive_pattern(pattern.pattern)
    return f"write the pattern {_quoted(pattern.pattern)} as {_quoted(better)}"


def suggest_archive_pattern(pattern: str) -> str:
    """A pattern that matches, from the start of a file name, what `pattern` finds by search."""
    pattern = pattern.removeprefix("(?!)")
    slashes = _literal_slash_ends(pattern)
    if slashes:  # what follows a '/' was meant to start a name, which is where matching starts
        return pattern[slashes[-1] :]
    if pattern.startswith(("^", "\\A", ".*")):
        return pattern.removeprefix("^").removeprefix("\\A")
    return f".*{pattern}"


def has_literal_slash(pattern: str) -> bool:
    """Does the pattern need a '/' outside a character class (so never in a file name)?"""
    return bool(_literal_slash_ends(pattern))


def _literal_slash_ends(pattern: str) -> list[int]:
    """Where each '/' (or '\\/') outside a character class ends."""
    ends, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if pattern[index + 1 : index + 2] == "/":
                ends.append(index + 2)
            index += 2
        elif char == "[":
            index = _class_end(pattern, index)
        else:
            if char == "/":
                ends.append(index + 1)
            index += 1
    return ends


def _class_end(pattern: str, start: int) -> int:
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":  # a ']' first in a class is a literal
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
        elif pattern[index] == "]":
            return index + 1
        else:
            index += 1
    return index


def _quoted(text: str) -> str:
    """A pattern or path in quotes, backslashes as the person wrote them (unlike repr)."""
    return f"'{text}'"


def _files(count: int) -> str:
    return "1 file" if count == 1 else f"{count:,} files"


def _and_list(names: Sequence[str]) -> str:
    quoted = [_quoted(name) for name in names]
    return " and ".join(quoted) if len(quoted) < 3 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
