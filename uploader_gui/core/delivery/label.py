"""The delivery label: parsed exactly as the archive parses it, with every problem located.

Upstream reads the label YAML with `BaseLoader`, so every scalar is a string as written
(`delivery_id: 0012` is `"0012"`, `true` is `"true"`); booleans, integers and dates are then
decoded field by field. This module walks the YAML nodes the same way, so it accepts what the
archive accepts and refuses what it refuses, but it collects every problem with its key path
(`filetypes.images.filename[2]`), its line and how to fix it (PROTOCOL.md §5.3).

The schema walk lives in `label_schema` (with `Filetype`); this module holds `Label`, the entry
points and the checks that dataset and delivery_id can name the archive's buckets (§1.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from uploader_gui.core.delivery import label_schema
from uploader_gui.core.delivery.label_schema import Filetype
from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.protocol.naming import control_bucket

# The shipped deployment's control-bucket zone (PROTOCOL.md §1.4); only its length matters here.
DEFAULT_AZ_ID = "use1-az4"
MAX_BUCKET_NAME_CHARS = 63
# Below this many characters left for the archive's bucket stem, say that the names are tight.
TIGHT_STEM_ROOM_CHARS = 16
_NAME_PART_CHARS = re.compile(r"[a-z0-9_-]+")

__all__ = [
    "DEFAULT_AZ_ID",
    "Filetype",
    "Label",
    "check_delivery_names",
    "parse_label",
    "parse_label_text",
]


@dataclass(frozen=True)
class Label:
    """A label that the archive would accept as valid."""

    dataset: str
    delivery_id: str
    filetypes: tuple[Filetype, ...]
    missing_filetypes_ok: bool
    no_assigned_filetype_ok: bool
    source_name: str
    data: Mapping[str, Any]  # the parsed YAML, every scalar kept as the string written
    # Things that do not stop the archive but that the person should know (e.g. tight names).
    warnings: tuple[Problem, ...] = field(default=())

    def filetype(self, name: str) -> Filetype:
        for filetype in self.filetypes:
            if filetype.name == name:
                return filetype
        raise KeyError(name)

    def canonical_text(self) -> str:
        """The label as re-serialised YAML: what is uploaded to the control bucket.

        Strings that YAML would read as numbers, booleans or dates are quoted, so a plain
        loader and upstream's `BaseLoader` both read back exactly the strings parsed here.
        """
        return yaml.safe_dump(
            dict(self.data), sort_keys=False, allow_unicode=True, default_flow_style=False
        )


def parse_label(path: Path) -> Label:
    """Read and parse the label at `path`; raises ProblemsFound listing every problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(
            file=str(path),
            message=f"cannot read the label ({exc.strerror or exc})",
            fix="check the path and that you may read the file",
        )
        raise ProblemsFound([problem]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(
            file=path.name,
            line=line,
            message=f"the label is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            fix="save the file as UTF-8 in your editor",
        )
        raise ProblemsFound([problem]) from None
    return parse_label_text(text, path.name)


def parse_label_text(text: str, source_name: str) -> Label:
    """Parse label YAML; raises ProblemsFound listing every problem, each with its key path."""
    parsed = label_schema.decode_label_yaml(text, source_name)
    problems = list(parsed.problems)
    warnings = list(parsed.warnings)
    if parsed.dataset is not None and parsed.delivery_id is not None:
        name_errors, name_warnings = check_delivery_names(
            parsed.dataset, parsed.delivery_id, source_name=source_name, lines=parsed.name_lines
        )
        problems += name_errors
        warnings += name_warnings
    else:  # one of them is unreadable: still say what is wrong with the other
        for key, value in (("dataset", parsed.dataset), ("delivery_id", parsed.delivery_id)):
            if value is not None:
                problems += _name_part_problems(key, value, source_name, parsed.name_lines)
    if problems:
        raise ProblemsFound(sorted(problems, key=lambda p: p.line or 0))
    assert parsed.dataset is not None
    assert parsed.delivery_id is not None
    return Label(
        dataset=parsed.dataset,
        delivery_id=parsed.delivery_id,
        filetypes=tuple(parsed.filetypes),
        missing_filetypes_ok=parsed.missing_filetypes_ok,
        no_assigned_filetype_ok=parsed.no_assigned_filetype_ok,
        source_name=source_name,
        data=parsed.data,
        warnings=tuple(warnings),
    )


def check_delivery_names(
    dataset: str,
    delivery_id: str,
    *,
    source_name: str,
    bucket_stem: str | None = None,
    az_id: str = DEFAULT_AZ_ID,
    lines: Mapping[str, int] | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Can the archive name this delivery's buckets? Returns (errors, warnings).

    Dataset and delivery_id go raw into bucket names, with only `_` turned into `-` (§1.3).
    S3 bucket names take lower-case letters, digits and hyphens, and the control bucket (the
    longest name) must fit in 63 characters together with the archive's bucket stem.
    """
    lines = lines or {}
    errors = _name_part_problems("dataset", dataset, source_name, lines)
    errors += _name_part_problems("delivery_id", delivery_id, source_name, lines)
    if errors:
        return errors, []
    stem = bucket_stem or ""
    name_length = len(control_bucket(stem, dataset, delivery_id, az_id))
    room = MAX_BUCKET_NAME_CHARS - name_length
    where = Problem(file=source_name, line=lines.get("dataset"), key="dataset", message="")
    if bucket_stem is not None and room < 0:
        message = (
            f"the control bucket name {control_bucket(stem, dataset, delivery_id, az_id)!r} "
            f"is {name_length} characters; S3 allows {MAX_BUCKET_NAME_CHARS}"
        )
        return [_located(where, message, "shorten dataset or delivery_id")], []
    if bucket_stem is None and room < 1:
        message = (
            f"dataset and delivery_id are too long for S3 bucket names: the control bucket "
            f"name would be {name_length} characters before the archive's bucket stem; "
            f"S3 allows {MAX_BUCKET_NAME_CHARS} in all"
        )
        return [_located(where, message, "shorten dataset or delivery_id")], []
    if bucket_stem is None and room < TIGHT_STEM_ROOM_CHARS:
        message = (
            f"dataset and delivery_id leave only {room} characters for the archive's bucket "
            f"stem in the {MAX_BUCKET_NAME_CHARS}-character control bucket name"
        )
        fix = "if the archive's bucket stem is longer, its buckets cannot be created: ask it"
        return [], [_located(where, message, fix)]
    return [], []


def _located(where: Problem, message: str, fix: str) -> Problem:
    return Problem(file=where.file, line=where.line, key=where.key, message=message, fix=fix)


def _name_part_problems(
    key: str, value: str, source_name: str, lines: Mapping[str, int]
) -> list[Problem]:
    reason = _name_part_problem(value)
    if not reason:
        return []
    problem = Problem(
        file=source_name,
        line=lines.get(key),
        key=key,
        message=f"{value!r} cannot be part of the archive's bucket names: {reason}",
        fix=(
            "use only lower-case letters a-z, digits, '-' and '_' "
            "(the archive's own copy of the label must say the same)"
        ),
    )
    return [problem]


def _name_part_problem(value: str) -> str:
    if not value:
        return "it is empty"
    if _NAME_PART_CHARS.fullmatch(value):
        return ""
    if value.lower() != value and _NAME_PART_CHARS.fullmatch(value.lower()):
        return "S3 bucket names have no capital letters"
    bad = sorted({ch for ch in value if not _NAME_PART_CHARS.fullmatch(ch.lower())})
    shown = " ".join(repr(ch) for ch in bad)
    return f"S3 bucket names cannot contain {shown}"
