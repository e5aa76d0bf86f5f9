"""Filetype and data-object rules of the label: the archive refuses a label that breaks them."""

from __future__ import annotations

import pytest

from tests.unit.core.delivery.label_texts import label_text, make_label
from uploader_gui.core.delivery.label import parse_label_text
from uploader_gui.core.delivery.problems import Problem, ProblemsFound


def problems_for(filetypes: str) -> list[Problem]:
    with pytest.raises(ProblemsFound) as caught:
        parse_label_text(label_text(filetypes), "label.yaml")
    return list(caught.value.problems)


def only_problem(filetypes: str) -> Problem:
    problems = problems_for(filetypes)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_filename_forms_scalar_list_exclusion_and_mapping() -> None:
    label = make_label(
        """\
        single:
          filename: 'a.*'
        listed:
          filename:
            - 'b.*'
            - '(?!)b_test.*'
            - {pattern: 'c.*'}
            - {pattern: 'c_old.*', include: false}
            - {pattern: 'd.*', include: True}
        """
    )
    assert label.filetype("single").include_patterns == ("a.*",)
    listed = label.filetype("listed")
    assert listed.include_patterns == ("b.*", "c.*", "d.*")
    assert listed.exclude_patterns == ("b_test.*", "c_old.*")


def test_standard_is_lower_cased_and_unspecified_means_none() -> None:
    label = make_label(
        """\
        images: {filename: 'a.*', standard: FITS}
        other: {filename: 'b.*', standard: Unspecified}
        plain: {filename: 'c.*'}
        """
    )
    assert label.filetype("images").standard == "fits"
    assert label.filetype("other").standard is None
    assert label.filetype("plain").standard is None


def test_a_bare_pattern_mapping_must_be_in_a_list() -> None:
    problem = only_problem("images:\n  filename: {pattern: 'a.*', include: false}\n")
    assert (problem.key, problem.line) == ("filetypes.images.filename", 9)
    assert "must be inside a list" in problem.message
    assert "filename: [{pattern:" in problem.fix


def test_the_exclusion_marker_inside_the_mapping_form_is_a_warning() -> None:
    label = make_label("images:\n  filename: ['a.*', {pattern: '(?!)a_x'}]\n")
    (warning,) = label.warnings
    assert warning.key == "filetypes.images.filename[1]"
    assert "can never match" in warning.message
    assert "include: false" in warning.fix


def test_a_pattern_mapping_without_pattern_is_refused() -> None:
    problem = only_problem("images:\n  filename: ['a.*', {include: false}]\n")
    assert problem.key == "filetypes.images.filename[1].pattern"
    assert "add pattern:" in problem.fix


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("images: {standard: fits}\n", "filetype 'images' has no filename"),
        ("images: {filename: []}\n", "filetype 'images' has an empty filename list"),
        ("images: {filename: '(?!)a.*'}\n", "has only exclusions"),
        ("images: 'a.*'\n", "filetype 'images' must be a mapping"),
    ],
)
def test_a_filetype_needs_an_including_filename(body: str, message: str) -> None:
    problem = only_problem(body)
    assert problem.key in ("filetypes.images.filename", "filetypes.images")
    assert message in problem.message
    assert problem.fix


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("standard: fits", "filetypes.junk.standard"),
        ("validation_options: {skip: [all]}", "filetypes.junk.validation_options"),
        ("objects: [{name: x}]", "filetypes.junk.objects"),
    ],
)
def test_an_ignored_filetype_may_not_ask_for_validation(extra: str, key: str) -> None:
    problems = problems_for(f"junk:\n  filename: 'x.*'\n  ignore: true\n  {extra}\n")
    assert key in [p.key for p in problems]
    problem = next(p for p in problems if p.key == key)
    assert "ignore: true" in problem.message
    assert "remove" in problem.fix


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        (
            "t: {filename: 'x', objects: [{name: a}]}",
            "filetypes.t.standard",
            "defines objects but no standard",
        ),
        (
            "t: {filename: 'x', standard: pdf, objects: [{name: a}]}",
            "filetypes.t.standard",
            "'pdf' does not support data validation",
        ),
        (
            "t: {filename: 'x', standard: parquet, objects: [{name: a}, {name: b}]}",
            "filetypes.t.objects",
            "only one object",
        ),
        (
            "t: {filename: 'x', standard: fits, objects: [{objtype: image}]}",
            "filetypes.t.objects[0].objtype",
            "'primary' HDU",
        ),
        (
            "t: {filename: 'x', standard: fits, objects: [{objtype: primary, dtype: f3}]}",
            "filetypes.t.objects[0].dtype",
            "'f3' is not a supported data type",
        ),
        (
            "t: {filename: 'x', standard: fits, objects: [{objtype: primary}, "
            "{objtype: bintable, schema: [{name: c, dtype: f2}]}]}",
            "filetypes.t.objects[1].schema[0].dtype",
            "'f2' is not supported in fits tables",
        ),
        (
            "t: {filename: 'x', standard: parquet, objects: [{metadata: {K: {index: 1}}}]}",
            "filetypes.t.objects[0].metadata.K",
            "index is only permitted for FITS",
        ),
        (
            "t: {filename: 'x', standard: asdf, objects: [{name: '(', name_regex: true}]}",
            "filetypes.t.objects[0].name",
            "is not a valid regular expression",
        ),
        (
            "t: {filename: 'x', standard: asdf, objects: [{name: a, ndim: two}]}",
            "filetypes.t.objects[0].ndim",
            "'two' is not a whole number",
        ),
        (
            "t: {filename: 'x', standard: asdf, objects: [{name: a, value: [[1]]}]}",
            "filetypes.t.objects[0].value",
            "only hold single values",
        ),
        (
            "t: {filename: 'x', standard: asdf, objects: [{name: a, schema: [{name: c}]}]}",
            "filetypes.t.objects[0].schema[0].dtype",
            "dtype is missing",
        ),
    ],
)
def test_data_object_rules(body: str, key: str, message: str) -> None:
    problem = only_problem(body + "\n")
    assert problem.key == key
    assert message in problem.message
    assert problem.fix


def test_a_valid_fits_object_description_is_accepted() -> None:
    label = make_label(
        """\
        images:
          filename: '.*\\.fits$'
          standard: fits
          objects:
            - {objtype: primary, dtype: f4, ndim: 2, metadata: {TELESCOP: {value: X, index: 0}}}
            - objtype: bintable
              name: EVENTS
              schema:
                - {name: TIME, dtype: f8}
                - {name: 'FLUX_\\d+', dtype: f4, repeated: true}
        """
    )
    assert label.filetype("images").standard == "fits"


@pytest.mark.parametrize(("written", "effect"), [("''", "claims every file"), ("", "claims")])
def test_an_empty_filename_pattern_is_a_warning(written: str, effect: str) -> None:
    label = make_label(f"everything:\n  filename: {written}\n")
    (warning,) = label.warnings
    assert warning.key == "filetypes.everything.filename"
    assert effect in warning.message
    assert label.filetype("everything").include_patterns == ("",)


def test_metadata_values_are_single_values() -> None:
    problem = only_problem(
        "t: {filename: 'x', standard: fits, objects: [{objtype: primary, "
        "metadata: {K: {value: [1, 2]}}}]}\n"
    )
    assert problem.key == "filetypes.t.objects[0].metadata.K.value"
    assert "expected a single value" in problem.message
