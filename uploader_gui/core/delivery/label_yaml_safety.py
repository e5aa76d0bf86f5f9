"""What in a label's YAML the archive would choke on, found before anything leaves the computer.

The archive reads the label with PyYAML's BaseLoader (PROTOCOL.md §1.3) and then walks what it
built. Two kinds of YAML pass our node-level reading but not the archive's:

- an explicit tag outside YAML's standard schema (`!!python/object/apply:os.system`, `!custom`):
  BaseLoader has no constructor for it and refuses the whole label;
- aliases that expand to an enormous document (the "billion laughs" bomb: nine aliases of nine
  aliases, eight levels deep, is 9⁸ values): every copy is expanded wherever the archive
  serialises or walks the label.

Both are refused with the line and the fix. Aliases as such stay allowed: a small label that
repeats a value through `&anchor`/`*anchor` expands to a small document.
"""

from __future__ import annotations

import math

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from uploader_gui.core.delivery.problems import Problem

# YAML 1.1's standard types, the ones a loader may know without any application code.
STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "map",
        "seq",
        "timestamp",
        "binary",
        "set",
        "omap",
        "pairs",
        "merge",
        "value",
    )
)

# A real label is a few hundred values; a hundred thousand once expanded is not a label.
MAX_EXPANDED_VALUES = 100_000

_TAG_FIX = "remove the tag and write the plain value (the archive reads labels as plain YAML)"
_ALIAS_FIX = (
    "write the values out instead of repeating them through '&anchor' and '*alias', or remove "
    "the aliases"
)


def unsafe_yaml_problems(text: str, source_name: str) -> list[Problem]:
    """Tags outside the standard schema and runaway alias expansion; [] for a safe label.

    Assumes `text` parses (a YAML syntax error is reported by the label's reader)."""
    problems = _tag_problems(text, source_name)
    root = yaml.compose(text, Loader=yaml.BaseLoader)
    if root is not None:
        expanded = _expanded_size(root, {}, set())
        if expanded > MAX_EXPANDED_VALUES:
            line = _first_alias_line(text)
            shown = "without end" if expanded == ENDLESS else f"to {int(expanded):,} values"
            problems.append(
                Problem(
                    source_name,
                    f"the label's aliases expand it {shown} (more than "
                    f"{MAX_EXPANDED_VALUES:,}); the archive would expand every copy",
                    line=line,
                    fix=_ALIAS_FIX,
                )
            )
    return problems


def _tag_problems(text: str, source_name: str) -> list[Problem]:
    problems = []
    for event in yaml.parse(text, Loader=yaml.BaseLoader):
        tag = getattr(event, "tag", None)
        if tag is None or tag in STANDARD_TAGS or tag == "!":
            continue
        shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
        problems.append(
            Problem(
                source_name,
                f"the YAML tag {shown!r} is not one the archive's label reader knows; it would "
                "refuse the whole label",
                line=event.start_mark.line + 1 if event.start_mark else None,
                fix=_TAG_FIX,
            )
        )
    return problems


ENDLESS = math.inf


def _expanded_size(node: Node, sizes: dict[int, float], open_nodes: set[int]) -> float:
    """How many values the node becomes once every alias is copied out (memoised: the node
    graph shares one node per anchor, so this costs one visit per distinct node)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:  # an anchor used inside itself: endless once expanded
        return ENDLESS
    if isinstance(node, ScalarNode):
        return 1
    open_nodes.add(key)
    total: float = 1
    if isinstance(node, SequenceNode):
        children: list[Node] = list(node.value)
    elif isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    for child in children:
        total += _expanded_size(child, sizes, open_nodes)
    open_nodes.discard(key)
    sizes[key] = total
    return total


def _first_alias_line(text: str) -> int | None:
    for event in yaml.parse(text, Loader=yaml.BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1 if event.start_mark else None
    return None
