"""Decoding one label field from its YAML node, the way upstream's `label_meta` does.

A decoder takes (walker, node, key path) and returns the decoded value, or `INVALID` after
reporting a located problem to the walker; decoding goes on so that one run reports everything.
The data objects of a filetype have their own module, `label_objects`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from dateutil.parser import parse as parse_date
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from uploader_gui.core.delivery.problems import Problem

STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
EXCLUSION_MARKER = "(?!)"
_TRUE = re.compile(r"(?is)\A\s*(?:1|true)\s*\Z")
_FALSE = re.compile(r"(?is)\A\s*(?:0|false)\s*\Z")
_EMAIL_USER = re.compile(r"(?ius)^[\d\w.!#$%&'*+/=?^`{|}~-]+@")


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
Decoder = Callable[["Walker", Node, str], Any]


@dataclass(frozen=True)
class Field:
    decode: Decoder
    required: bool = False
    fix: str = ""


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def line_of(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark else None


def kind(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return "an empty value" if node.value == "" else "a single value"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


class Walker:
    """Collects located problems while the label's nodes are decoded."""

    def __init__(self, source_name: str) -> None:
        self.source_name = source_name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, node: Node | None, path: str, message: str, fix: str) -> None:
        self.problems.append(self._problem(node, path, message, fix))

    def warn(self, node: Node | None, path: str, message: str, fix: str) -> None:
        self.warnings.append(self._problem(node, path, message, fix))

    def _problem(self, node: Node | None, path: str, message: str, fix: str) -> Problem:
        return Problem(self.source_name, message, line=line_of(node), key=path or None, fix=fix)

    def check_tag(self, node: Node, path: str, tag: str) -> bool:
        if node.tag == tag:
            return True
        self.error(node, path, f"explicit YAML tag {node.tag!r} is not allowed", "remove the tag")
        return False

    def mapping(self, node: Node, path: str, what: str) -> list[tuple[str, Node, Node]] | None:
        """The (key, key node, value node) pairs of a mapping, or None after reporting."""
        if not isinstance(node, MappingNode):
            fix = (
                f"write the keys of {what} on the lines below it, indented"
                if path
                else "start the label with top-level keys such as dataset: and delivery_id:"
            )
            message = f"{what} must be a mapping of keys to values, not {kind(node)}"
            self.error(node, path, message, fix)
            return None
        if not self.check_tag(node, path, MAP_TAG):
            return None
        pairs: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or not key_node.value:
                self.error(key_node, path, "a key here is not a plain name", "write a plain name")
            elif self.check_tag(key_node, child(path, key_node.value), STR_TAG):
                pairs.append((key_node.value, key_node, value_node))
        return pairs

    def element(self, node: Node, path: str, fields: Mapping[str, Field], what: str) -> Any:
        """A label element: fixed keys, each at most once, required ones present."""
        pairs = self.mapping(node, path, what)
        if pairs is None:
            return INVALID
        seen: dict[str, Node] = {}
        for key, key_node, value_node in pairs:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f"did you mean {close[0]!r}? " if close else "remove it; "
                allowed = ", ".join(fields)
                message = f"{key!r} is not a key of {what}"
                self.error(key_node, child(path, key), message, f"{hint}allowed: {allowed}")
            elif key in seen:
                message = f"{key!r} appears twice in {what}"
                self.error(key_node, child(path, key), message, "keep only one of them")
            else:
                seen[key] = value_node
        spec: dict[str, Any] = {}
        for key, spec_field in fields.items():
            if key in seen:
                value = spec_field.decode(self, seen[key], child(path, key))
                if value is not INVALID:
                    spec[key] = value
            elif spec_field.required:
                self.error(node, child(path, key), f"{key} is missing", spec_field.fix)
        return spec

    def dict_items(self, node: Node, path: str, what: str) -> list[tuple[str, Node, Node]]:
        """A free-form mapping as (key, key node, value node).

        Upstream builds a dict: a repeated key keeps its first place and its last value.
        """
        items: dict[str, tuple[str, Node, Node]] = {}
        for key, key_node, value_node in self.mapping(node, path, what) or []:
            if key in items:
                message = f"{key!r} is defined twice in {what}; the archive uses the last one"
                self.warn(key_node, child(path, key), message, "remove or rename one of them")
                key_node = items[key][1]
            items[key] = (key, key_node, value_node)
        return list(items.values())

    def field_node(self, node: Node, key: str) -> Node | None:
        return dict(mapping_items(node)).get(key) if isinstance(node, MappingNode) else None


def mapping_items(node: MappingNode) -> list[tuple[str, Node]]:
    return [(k.value, v) for k, v in node.value if isinstance(k, ScalarNode)]


def sequence_item(node: Node, index: int) -> Node:
    return node.value[index] if isinstance(node, SequenceNode) else node


def decode_str(walker: Walker, node: Node, path: str) -> Any:
    if not isinstance(node, ScalarNode):
        walker.error(node, path, f"expected a single value, not {kind(node)}", "write one value")
        return INVALID
    return node.value if walker.check_tag(node, path, STR_TAG) else INVALID


def decode_bool(walker: Walker, node: Node, path: str) -> Any:
    text = decode_str(walker, node, path)
    if text is INVALID:
        return INVALID
    if _TRUE.fullmatch(text) or _FALSE.fullmatch(text):
        return bool(_TRUE.fullmatch(text))
    message = f"{text!r} is not a boolean value the archive reads"
    walker.error(node, path, message, "write true or false")
    return INVALID


def decode_int(walker: Walker, node: Node, path: str) -> Any:
    text = decode_str(walker, node, path)
    if text is INVALID:
        return INVALID
    try:
        return int(text, base=0)
    except ValueError:
        walker.error(node, path, f"{text!r} is not a whole number", "write a number like 2")
        return INVALID


def decode_date(walker: Walker, node: Node, path: str) -> Any:
    text = decode_str(walker, node, path)
    if text is INVALID:
        return INVALID
    try:
        parse_date(text.strip())
    except (ValueError, OverflowError) as exc:
        walker.error(node, path, f"{text!r} is not a date ({exc})", "write it as YYYY-MM-DD")
        return INVALID
    return text


def decode_delivery_id(walker: Walker, node: Node, path: str) -> Any:
    """A string kept as written, unless upstream would read it as a different number."""
    text = decode_str(walker, node, path)
    if text is INVALID:
        return INVALID
    try:
        number = int(text, base=0)
    except ValueError:
        return text
    if str(number) != text:
        walker.error(
            node,
            path,
            f"the archive reads {text!r} as the number {number}, so it would name this "
            f"delivery {number} while this label says {text!r}",
            f"write delivery_id: {number}, or an id that is not a number (e.g. 0012 stays '0012')",
        )
        return INVALID
    return text


def decode_any(walker: Walker, node: Node, path: str) -> Any:
    return plain_data(node)


def decode_deferred(walker: Walker, node: Node, path: str) -> Any:
    return node


def list_of(decode: Decoder) -> Decoder:
    def decode_list(walker: Walker, node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode):  # a bare scalar stands for a one-element list
            value = decode(walker, node, path)
            return INVALID if value is INVALID else [value]
        if not isinstance(node, SequenceNode):
            walker.error(node, path, f"expected a list, not {kind(node)}", "write a list")
            return INVALID
        if not walker.check_tag(node, path, SEQ_TAG):
            return INVALID
        values = [decode(walker, item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return [value for value in values if value is not INVALID]

    return decode_list


def dict_of(decode: Decoder) -> Decoder:
    def decode_dict(walker: Walker, node: Node, path: str) -> Any:
        items = walker.dict_items(node, path, path)
        return {key: decode(walker, value, child(path, key)) for key, _, value in items}

    return decode_dict


def element_of(fields: Mapping[str, Field], what: str) -> Decoder:
    def decode_element(walker: Walker, node: Node, path: str) -> Any:
        return walker.element(node, path, fields, what)

    return decode_element


def decode_regex(walker: Walker, node: Node, path: str, pattern: str, owner: str) -> bool:
    try:
        re.compile(pattern)
    except re.error as exc:
        walker.error(
            node,
            path,
            f"{owner}: {pattern!r} is not a valid regular expression ({exc})",
            "correct the pattern (Python re syntax); a literal '.', '(', '[' or '+' is "
            "written '\\.', '\\(', '\\[' or '\\+'",
        )
        return False
    return True


def decode_filename_patterns(
    walker: Walker, node: Node, path: str, filetype_name: str
) -> list[tuple[str, bool, int | None]]:
    """`filename`: (pattern, is_include, line) for each valid pattern, in the order written."""
    if isinstance(node, MappingNode):
        walker.error(
            node,
            path,
            f"filetype {filetype_name!r}: a {{pattern, include}} mapping must be inside a list",
            "write it as a list item: filename: [{pattern: '...', include: false}]",
        )
        return []
    owner = f"filetype {filetype_name!r}"

    def decode_one(walker: Walker, item: Node, item_path: str) -> Any:
        if isinstance(item, MappingNode):
            spec = walker.element(item, item_path, _FILE_PATTERN_FIELDS, "a filename pattern")
            pattern = spec.get("pattern") if spec is not INVALID else None
            if pattern is None or not decode_regex(walker, item, item_path, pattern, owner):
                return INVALID
            if pattern.startswith(EXCLUSION_MARKER):
                walker.warn(
                    item,
                    item_path,
                    f"{owner}: in the {{pattern, include}} form '(?!)' is not an exclusion "
                    f"marker, so {pattern!r} can never match",
                    "drop '(?!)' and write include: false to exclude",
                )
            return pattern, spec.get("include", True), line_of(item)
        text = decode_str(walker, item, item_path)
        if text is INVALID:
            return INVALID
        is_include = not text.startswith(EXCLUSION_MARKER)
        pattern = text if is_include else text[len(EXCLUSION_MARKER) :]
        if not decode_regex(walker, item, item_path, pattern, owner):
            return INVALID
        if not pattern:
            claims = "claims every file" if is_include else "takes every file back out"
            message = f"{owner}: an empty filename pattern {claims}"
            walker.warn(item, item_path, message, "write the pattern, e.g. '.*\\.fits$'")
        return pattern, is_include, line_of(item)

    patterns = list_of(decode_one)(walker, node, path)
    return [] if patterns is INVALID else list(patterns)


def email_problem(address: str) -> str:
    """Upstream's basic e-mail syntax check: the reason it fails, or ''."""
    if "@" not in address:
        return f"{address!r} has no @domain part"
    match = _EMAIL_USER.match(address)
    if match is None:
        return f"{address!r} has characters not allowed before the @"
    domain = address[match.end() :]
    if "." not in domain:
        return f"{address!r} does not end with a full domain name"
    if "@" in domain:
        return f"{address!r} contains more than one @"
    return ""


def plain_data(node: Node, _seen: dict[int, Any] | None = None) -> Any:
    """The node as plain str/list/dict; aliases share one object rather than being copied."""
    seen = {} if _seen is None else _seen
    if id(node) in seen:
        return seen[id(node)]
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SequenceNode):
        items: list[Any] = []
        seen[id(node)] = items
        items.extend(plain_data(item, seen) for item in node.value)
        return items
    mapping: dict[Any, Any] = {}
    seen[id(node)] = mapping
    for key_node, value_node in node.value:
        key = plain_data(key_node, seen)
        mapping[key if isinstance(key, str) else str(key)] = plain_data(value_node, seen)
    return mapping


def yaml_error_problem(exc: yaml.YAMLError, text: str, source_name: str) -> Problem:
    """A located problem for YAML that does not even parse."""
    fix = (
        "check the indentation and quoting there; quote patterns that contain ': ', ' #', "
        "or start with '*', '&', '!', '[', '{', '%', '@' or '`', e.g. filename: '.*\\.fits$'"
    )
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = []
        for text_part, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark)):
            if text_part:
                where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
                parts.append(f"{text_part}{where}")
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"the label is not valid YAML: {': '.join(parts)}"
        return Problem(source_name, message, line=line, fix=fix)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        message = f"the label contains a character YAML does not allow ({chr(exc.character)!r})"
        return Problem(source_name, message, line=line, fix="delete or retype that character")
    return Problem(source_name, f"the label is not valid YAML: {exc}", fix=fix)


_FILE_PATTERN_FIELDS: dict[str, Field] = {
    "pattern": Field(decode_str, required=True, fix="add pattern: '<regular expression>'"),
    "include": Field(decode_bool),
}
