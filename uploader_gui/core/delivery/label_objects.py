"""The data objects of a filetype: decoded and checked as upstream's label classes do.

Only the archive's validator uses objects, but the label must be valid for the archive to start
the delivery at all (PROTOCOL.md §5.3). The generic rules and the dtype sets of FITS and Parquet
tables are checked here; the further per-standard rules of upstream's FITS, ASDF and Parquet
object classes are left to the archive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from uploader_gui.core.delivery.label_fields import (
    INVALID,
    Field,
    Walker,
    child,
    decode_bool,
    decode_int,
    decode_regex,
    decode_str,
    dict_of,
    element_of,
    list_of,
    plain_data,
)

_TIME_UNIT = r"(?:[1-9][0-9]*)?(?:[YMWDhms]|[munpfa]s)"
_FITS_ARRAY = ("f8", "f4", "i8", "i4", "i2", "u8", "u4", "u2", "u1")
_ANY_DTYPE = (
    *("f2", "f4", "f8", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "c8", "c16", "O", "b1"),
    *(rf"M8\[{_TIME_UNIT}\]", rf"m8\[{_TIME_UNIT}\]", r"V[1-9][0-9]*"),
)
_PARQUET = (
    *(d for d in _ANY_DTYPE if d[0] not in "cMm"),
    *(r"M8\[(?:D|[mun]s)\]", r"m8\[(?:s|[mun]s)\]"),
)
DTYPES = re.compile("|".join(_ANY_DTYPE))
COLUMN_DTYPES: Mapping[str | None, re.Pattern[str]] = {
    "fits": re.compile("|".join((*_FITS_ARRAY, r"V[1-9][0-9]*", "c8", "c16", "O", "b1"))),
    "parquet": re.compile("|".join(_PARQUET)),
}


def decode_objects(
    walker: Walker, node: Node, path: str, standard: str | None
) -> list[dict[str, Any]]:
    """A filetype's data objects (generic rules plus the dtype sets of FITS and Parquet)."""

    def decode_object(walker: Walker, item: Node, item_path: str) -> Any:
        spec = walker.element(item, item_path, _OBJECT_FIELDS, "a data object")
        if spec is INVALID:
            return INVALID
        _check_object(walker, item, item_path, spec, standard)
        return spec

    objects = list_of(decode_object)(walker, node, path)
    return [] if objects is INVALID else list(objects)


def _check_object(
    walker: Walker, node: Node, path: str, spec: dict[str, Any], standard: str | None
) -> None:
    is_regex = bool(spec.get("name_regex") or spec.get("repeated"))
    names = spec.get("name")
    for name in names if isinstance(names, list) else [names] if names else []:
        if is_regex:
            decode_regex(walker, node, child(path, "name"), name, "object name")
    if spec.get("schema") and ("dtype" in spec or "ndim" in spec):
        walker.error(
            node,
            child(path, "schema"),
            "schema may not be given together with dtype or ndim",
            "keep schema for tables, or dtype/ndim for arrays",
        )
    dtype = spec.get("dtype")
    if dtype is not None and not DTYPES.fullmatch(dtype):
        walker.error(node, child(path, "dtype"), f"{dtype!r} is not a supported data type", _DT)
    column_dtypes = COLUMN_DTYPES.get(standard, DTYPES)
    for index, column in enumerate(spec.get("schema") or []):
        column_path = f"{child(path, 'schema')}[{index}]"
        column_dtype = column.get("dtype")
        if column_dtype is not None and not column_dtypes.fullmatch(column_dtype):
            message = f"data type {column_dtype!r} is not supported in {standard or 'these'} tables"
            walker.error(node, child(column_path, "dtype"), message, _DT)
        if column.get("name_regex") or column.get("repeated"):
            name = column.get("name", "")
            decode_regex(walker, node, child(column_path, "name"), name, "column name")
    for key, meta in (spec.get("metadata") or {}).items():
        if isinstance(meta, dict) and "index" in meta and standard != "fits":
            message = "index is only permitted for FITS files"
            walker.error(node, child(child(path, "metadata"), key), message, "remove index")


def decode_value(walker: Walker, node: Node, path: str) -> Any:
    """An object's `value`: a scalar, a list of scalars, or a mapping of scalars."""
    if isinstance(node, ScalarNode):
        return decode_str(walker, node, path)
    if isinstance(node, SequenceNode):
        items: list[Node] = list(node.value)
    else:
        items = [n for pair in node.value for n in pair]
    if all(isinstance(item, ScalarNode) for item in items):
        return plain_data(node)
    walker.error(node, path, "value may only hold single values", "flatten the nested value")
    return INVALID


_DT = "use a numpy-like code: f4 f8 i1..i8 u1..u8 c8 c16 b1 O Vn M8[unit] m8[unit]"
_METADATA_FIELDS: dict[str, Field] = {
    "value": Field(decode_str),
    "value_regex": Field(decode_bool),
    "objtype": Field(decode_str),
    "index": Field(decode_int),
}
_COLUMN_FIELDS: dict[str, Field] = {
    "repeated": Field(decode_bool),
    "name_regex": Field(decode_bool),
    "ndim": Field(decode_int),
    "name": Field(decode_str, required=True, fix="add name: <column name>"),
    "dtype": Field(decode_str, required=True, fix="add dtype: <type code, e.g. f8>"),
}
_OBJECT_FIELDS: dict[str, Field] = {
    "name": Field(list_of(decode_str)),
    "objtype": Field(decode_str),
    "schema": Field(list_of(element_of(_COLUMN_FIELDS, "a schema column"))),
    "name_regex": Field(decode_bool),
    "dtype": Field(decode_str),
    "ndim": Field(decode_int),
    "repeated": Field(decode_bool),
    "optional": Field(decode_bool),
    "value": Field(decode_value),
    "value_regex": Field(decode_bool),
    "metadata": Field(dict_of(element_of(_METADATA_FIELDS, "a metadata entry"))),
}
