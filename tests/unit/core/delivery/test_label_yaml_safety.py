"""Labels the archive's YAML reader would refuse or expand without end are refused here first."""

from __future__ import annotations

import pytest

from tests.unit.core.delivery.label_texts import HEADER, label_text
from uploader_gui.core.delivery.label import parse_label_text
from uploader_gui.core.delivery.problems import Problem, ProblemsFound


def billion_laughs(levels: int = 8) -> str:
    """`custom_metadata` whose aliases expand to 9**levels values."""
    lines = ["custom_metadata:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def refused(text: str) -> list[Problem]:
    with pytest.raises(ProblemsFound) as caught:
        parse_label_text(text, "label.yaml")
    return list(caught.value.problems)


def test_an_alias_bomb_is_refused_with_the_line_of_its_first_alias() -> None:
    (problem,) = refused(label_text() + billion_laughs())
    assert "aliases expand it to" in problem.message
    assert "more than 100,000" in problem.message
    first_alias_line = (
        (HEADER + billion_laughs())
        .splitlines()
        .index(next(line for line in billion_laughs().splitlines() if "*l0" in line))
    )
    assert problem.line == first_alias_line + 1
    assert "write the values out" in problem.fix


def test_a_small_label_may_repeat_a_value_through_an_alias() -> None:
    text = label_text() + "custom_metadata:\n  site: &site Paranal\n  again: *site\n"
    label = parse_label_text(text, "label.yaml")
    assert label.dataset == "demo_set"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!!python/object/apply:os.system ['echo owned']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!custom thing", "!custom"),
    ],
)
def test_a_tag_outside_the_standard_schema_is_refused_with_its_line(value: str, shown: str) -> None:
    text = label_text() + f"custom_metadata:\n  note: {value}\n"
    (problem,) = refused(text)
    assert repr(shown) in problem.message
    assert problem.line == text.splitlines().index(f"  note: {value}") + 1
    assert "remove the tag" in problem.fix


def test_standard_tags_stay_allowed() -> None:
    text = (
        label_text()
        + "custom_metadata:\n  n: !!int 3\n  s: !!str 0012\n  when: !!timestamp 2025-01-15\n"
    )
    assert parse_label_text(text, "label.yaml").dataset == "demo_set"


def test_an_anchor_used_inside_itself_is_refused_as_endless() -> None:
    text = label_text() + "custom_metadata: &loop\n  again: *loop\n"
    problems = refused(text)
    assert any("without end" in problem.message for problem in problems), problems
