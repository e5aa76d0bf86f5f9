"""The label schema walk: YAML nodes in, decoded fields and located problems out.

Mirrors upstream's `label_meta` decoding rules (PROTOCOL.md §5.3): YAML composed with
`BaseLoader`, so scalars are strings; no explicit tags; unknown or duplicated keys are errors
in label elements; a bare scalar stands for a one-element list; booleans are `true`/`false`/
`1`/`0` in any case; integers are Python integer literals; dates are whatever `dateutil` reads.
Each field's decoder lives in `label_fields`; this module owns the walk and the structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from uploader_gui.core.delivery import label_fields as lf
from uploader_gui.core.delivery import label_objects
from uploader_gui.core.delivery.label_fields import INVALID, Walker, child, line_of
from uploader_gui.core.delivery.label_yaml_safety import unsafe_yaml_problems
from uploader_gui.core.delivery.problems import Problem

STANDARDS_WITH_DATA_VALIDATION = ("asdf", "fits", "parquet")


@dataclass(frozen=True)
class Filetype:
    """One filetype of the label: which file names it claims, as the server reads them.

    Public as `uploader_gui.core.delivery.label.Filetype`.
    """

    name: str
    include_patterns: tuple[str, ...]
    # Exclusions without their `(?!)` marker: the patterns whose matches are taken back out.
    exclude_patterns: tuple[str, ...]
    ignore: bool
    standard: str | None  # lower-cased; None when the label leaves it unspecified
    line: int | None = None  # where the filetype starts in the label, for messages


@dataclass
class ParsedLabel:
    """Everything decoded, plus every problem; fields are None where they could not be read."""

    data: dict[str, Any]
    problems: list[Problem]
    warnings: list[Problem]
    dataset: str | None = None
    delivery_id: str | None = None
    filetypes: list[Filetype] = field(default_factory=list)
    missing_filetypes_ok: bool = False
    no_assigned_filetype_ok: bool = False
    name_lines: dict[str, int] = field(default_factory=dict)


def decode_label_yaml(text: str, source_name: str) -> ParsedLabel:
    walker = Walker(source_name)
    parsed = ParsedLabel(data={}, problems=walker.problems, warnings=walker.warnings)
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        walker.problems.append(lf.yaml_error_problem(exc, text, source_name))
        return parsed
    if root is None:
        walker.error(
            None,
            "",
            "the label is empty",
            "write the label's keys: dataset, delivery_id, time, delivery_meta, filetypes",
        )
        return parsed
    unsafe = unsafe_yaml_problems(text, source_name)
    if unsafe:  # what the archive would refuse or expand without end comes first, alone
        walker.problems.extend(unsafe)
        return parsed
    spec = walker.element(root, "", _LABEL_FIELDS, "the label")
    if spec is INVALID or not isinstance(root, MappingNode):
        return parsed
    parsed.data = lf.plain_data(root)
    parsed.name_lines = {key: node.start_mark.line + 1 for key, node in lf.mapping_items(root)}
    parsed.dataset = spec.get("dataset")
    parsed.delivery_id = spec.get("delivery_id")
    parsed.filetypes = spec.get("filetypes") or []
    options = (spec.get("delivery_meta") or {}).get("global_validation_options") or {}
    parsed.missing_filetypes_ok = bool(options.get("missing_filetypes_ok"))
    parsed.no_assigned_filetype_ok = bool(options.get("no_assigned_filetype_ok"))
    return parsed


def _decode_filetypes(walker: Walker, node: Node, path: str) -> Any:
    filetypes = [
        _decode_filetype(walker, name, value, child(path, name), line_of(key_node))
        for name, key_node, value in walker.dict_items(node, path, "filetypes")
    ]
    return [filetype for filetype in filetypes if filetype is not INVALID]


def _decode_filetype(walker: Walker, name: str, node: Node, path: str, line: int | None) -> Any:
    spec = walker.element(node, path, _FILETYPE_FIELDS, f"filetype {name!r}")
    if spec is INVALID:
        return INVALID
    raw_standard = spec.get("standard")
    standard = raw_standard.lower() if isinstance(raw_standard, str) else None
    if standard == "unspecified":
        standard = None
    objects_path = child(path, "objects")
    objects = (
        label_objects.decode_objects(walker, spec["objects"], objects_path, standard)
        if ("objects" in spec)
        else []
    )
    filename_path = child(path, "filename")
    if "filename" in spec:
        patterns = lf.decode_filename_patterns(walker, spec["filename"], filename_path, name)
    else:
        patterns = []
        walker.error(
            node,
            filename_path,
            f"filetype {name!r} has no filename",
            "add filename: '<regular expression for its file names>', e.g. '.*\\.fits$'",
        )
    _check_filetype_rules(walker, node, path, name, spec, standard, patterns, objects)
    return Filetype(
        name=name,
        include_patterns=tuple(p for p, include, _ in patterns if include),
        exclude_patterns=tuple(p for p, include, _ in patterns if not include),
        ignore=bool(spec.get("ignore")),
        standard=standard,
        line=line,
    )


def _check_filetype_rules(
    walker: Walker,
    node: Node,
    path: str,
    name: str,
    spec: dict[str, Any],
    standard: str | None,
    patterns: list[tuple[str, bool, int | None]],
    objects: list[dict[str, Any]],
) -> None:
    """Upstream's `Filetype._validate_label` cross-field rules."""
    filename_node = spec.get("filename")
    if isinstance(filename_node, SequenceNode) and not filename_node.value:
        walker.error(
            filename_node,
            child(path, "filename"),
            f"filetype {name!r} has an empty filename list",
            "give at least one regular expression for the file names of this type",
        )
    elif patterns and not any(include for _, include, _ in patterns):
        walker.error(
            filename_node,
            child(path, "filename"),
            f"filetype {name!r} has only exclusions ('(?!)…' patterns)",
            "add at least one pattern without the '(?!)' marker saying which files it claims",
        )
    if spec.get("ignore"):
        skip = (spec.get("validation_options") or {}).get("skip") or []
        for key, is_set in (
            ("objects", bool(objects)),
            ("standard", standard is not None),
            ("validation_options", bool(skip)),
        ):
            if is_set:
                walker.error(
                    walker.field_node(node, key) or node,
                    child(path, key),
                    f"filetype {name!r} has ignore: true, so it may not set {key}",
                    f"remove {key}, or remove ignore: true",
                )
    if objects:
        _check_objects_standard(walker, node, path, name, standard, objects)


def _check_objects_standard(
    walker: Walker,
    node: Node,
    path: str,
    name: str,
    standard: str | None,
    objects: list[dict[str, Any]],
) -> None:
    standard_at = walker.field_node(node, "standard") or node
    objects_at = walker.field_node(node, "objects") or node
    if standard is None:
        walker.error(
            standard_at,
            child(path, "standard"),
            f"filetype {name!r} defines objects but no standard",
            "add standard: fits, asdf or parquet",
        )
    elif standard not in STANDARDS_WITH_DATA_VALIDATION:
        walker.error(
            standard_at,
            child(path, "standard"),
            f"standard {standard!r} does not support data validation, but objects are defined",
            "use standard fits, asdf or parquet, or remove objects",
        )
    elif standard == "parquet" and len(objects) > 1:
        walker.error(
            objects_at,
            child(path, "objects"),
            "Parquet files may define only one object",
            "describe the whole table as one object",
        )
    elif standard == "fits" and (objects[0].get("objtype") or "").lower() != "primary":
        walker.error(
            objects_at,
            child(path, "objects") + "[0].objtype",
            "the first HDU in a FITS file must be a 'primary' HDU",
            "make the first object objtype: primary",
        )


def _decode_contacts(walker: Walker, node: Node, path: str) -> Any:
    spec = walker.element(node, path, _CONTACT_FIELDS, "contacts")
    if spec is INVALID:
        return INVALID
    for group in ("provider", "archive"):
        group_node = walker.field_node(node, group)
        for index, address in enumerate(spec.get(group) or []):
            reason = lf.email_problem(address)
            if reason and group_node is not None:
                item = lf.sequence_item(group_node, index)
                walker.error(
                    item,
                    f"{child(path, group)}[{index}]",
                    reason,
                    "write a full e-mail address like name@example.org",
                )
    return spec


_TIME_FIELDS: dict[str, lf.Field] = {
    "delivery_start_date": lf.Field(
        lf.decode_date, required=True, fix="add delivery_start_date: YYYY-MM-DD under time"
    ),
    "observation_start_date": lf.Field(lf.decode_date),
    "observation_end_date": lf.Field(lf.decode_date),
}
_CONTACT_FIELDS: dict[str, lf.Field] = {
    "provider": lf.Field(lf.list_of(lf.decode_str)),
    "archive": lf.Field(lf.list_of(lf.decode_str)),
}
_GLOBAL_OPTION_FIELDS: dict[str, lf.Field] = {
    "skip": lf.Field(lf.list_of(lf.decode_str)),
    "missing_filetypes_ok": lf.Field(lf.decode_bool),
    "no_assigned_filetype_ok": lf.Field(lf.decode_bool),
}
_DELIVERY_META_FIELDS: dict[str, lf.Field] = {
    "schema_version": lf.Field(
        lf.decode_str,
        required=True,
        fix="add schema_version: 0.1.0 under delivery_meta (the version the archive gave you)",
    ),
    "global_validation_options": lf.Field(
        lf.element_of(_GLOBAL_OPTION_FIELDS, "global_validation_options")
    ),
}
_FILETYPE_OPTION_FIELDS: dict[str, lf.Field] = {
    "skip": lf.Field(lf.list_of(lf.decode_str)),
    "object_check_hook": lf.Field(lf.decode_str),
}
_FILETYPE_FIELDS: dict[str, lf.Field] = {
    # Decoded by the filetype itself, which knows its name for the messages.
    "filename": lf.Field(lf.decode_deferred),
    "ignore": lf.Field(lf.decode_bool),
    "standard": lf.Field(lf.decode_str),
    # Decoded after `standard` is known (which object rules apply depends on it).
    "objects": lf.Field(lf.decode_deferred),
    "validation_options": lf.Field(lf.element_of(_FILETYPE_OPTION_FIELDS, "validation_options")),
}
_LABEL_FIELDS: dict[str, lf.Field] = {
    "dataset": lf.Field(
        lf.decode_str, required=True, fix="add dataset: <the dataset name the archive gave you>"
    ),
    "delivery_id": lf.Field(
        lf.decode_delivery_id, required=True, fix="add delivery_id: '0001' (as the archive says)"
    ),
    "time": lf.Field(
        lf.element_of(_TIME_FIELDS, "time"),
        required=True,
        fix="add a time: mapping with delivery_start_date: YYYY-MM-DD",
    ),
    "contacts": lf.Field(_decode_contacts),
    "shared_name_patterns": lf.Field(lf.dict_of(lf.decode_str)),
    "filetypes": lf.Field(_decode_filetypes),
    "delivery_meta": lf.Field(
        lf.element_of(_DELIVERY_META_FIELDS, "delivery_meta"),
        required=True,
        fix="add a delivery_meta: mapping with schema_version: <version the archive gave you>",
    ),
    "custom_metadata": lf.Field(lf.decode_any),
}
