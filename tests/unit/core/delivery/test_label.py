"""The label is read as the archive reads it; every problem says where and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.unit.core.delivery.label_texts import HEADER, label_text, make_label
from uploader_gui.core.delivery.label import check_delivery_names, parse_label, parse_label_text
from uploader_gui.core.delivery.problems import Problem, ProblemsFound

DEMO_LABEL = Path(__file__).resolve().parents[4] / "resources" / "examples" / "demo-label.yaml"


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ProblemsFound) as caught:
        parse_label_text(text, "label.yaml")
    return list(caught.value.problems)


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_the_demo_label_is_valid_and_keeps_its_strings() -> None:
    label = parse_label(DEMO_LABEL)
    assert (label.dataset, label.delivery_id) == ("demo_set", "0001")
    assert [f.name for f in label.filetypes] == ["images", "catalogue", "readme"]
    catalogue = label.filetype("catalogue")
    assert catalogue.include_patterns == (r"catalog_.*\.parquet$",)
    assert catalogue.exclude_patterns == (r".*_draft\.parquet$",)
    assert catalogue.standard == "parquet"
    assert label.data["time"]["delivery_start_date"] == "2025-01-15"
    assert label.source_name == "demo-label.yaml"
    assert label.warnings == ()


def test_delivery_id_0012_stays_the_string_0012() -> None:
    text = HEADER.replace("delivery_id: '0001'", "delivery_id: 0012")
    label = parse_label_text(text, "label.yaml")
    assert label.delivery_id == "0012"
    assert label.data["delivery_id"] == "0012"


def test_scalars_stay_strings_in_the_data() -> None:
    label = make_label(
        """\
        images:
          filename: '.*'
          ignore: 'false'
        """,
        options="missing_filetypes_ok: true\n",
    )
    options = label.data["delivery_meta"]["global_validation_options"]
    assert options["missing_filetypes_ok"] == "true"
    assert label.missing_filetypes_ok is True
    assert label.filetype("images").ignore is False


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("true", True), ("True", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)],
)
def test_booleans_upstream_accepts(written: str, read_as: bool) -> None:
    label = parse_label_text(label_text(options=f"no_assigned_filetype_ok: {written}\n"), "l.y")
    assert label.no_assigned_filetype_ok is read_as


@pytest.mark.parametrize("written", ["yes", "no", "on", "'t'", "2"])
def test_booleans_upstream_refuses(written: str) -> None:
    problem = only_problem(label_text(options=f"missing_filetypes_ok: {written}\n"))
    assert problem.key == "delivery_meta.global_validation_options.missing_filetypes_ok"
    assert problem.line == 8
    assert "true or false" in problem.fix


@pytest.mark.parametrize(
    ("written", "number"), [("0x10", "16"), ("1_000", "1000"), ("00", "0"), ("+7", "7")]
)
def test_a_delivery_id_upstream_reads_as_another_number_is_refused(
    written: str, number: str
) -> None:
    problem = only_problem(HEADER.replace("delivery_id: '0001'", f"delivery_id: '{written}'"))
    assert problem.key == "delivery_id"
    assert problem.line == 2
    assert f"as the number {number}" in problem.message
    assert f"write delivery_id: {number}" in problem.fix


TIME = "time:\n  delivery_start_date: 2025-01-15\n"
META = "delivery_meta:\n  schema_version: 0.1.0\n"


@pytest.mark.parametrize(
    ("written", "rewritten", "key", "fix_words"),
    [
        ("dataset: demo_set\n", "", "dataset", "add dataset:"),
        ("delivery_id: '0001'\n", "", "delivery_id", "add delivery_id:"),
        (TIME, "", "time", "delivery_start_date: YYYY-MM-DD"),
        (TIME, "time: {}\n", "time.delivery_start_date", "YYYY-MM-DD"),
        (META, "", "delivery_meta", "schema_version"),
        (META, "delivery_meta: {}\n", "delivery_meta.schema_version", "add schema_version"),
    ],
)
def test_every_required_field_is_named_when_missing(
    written: str, rewritten: str, key: str, fix_words: str
) -> None:
    problem = only_problem(HEADER.replace(written, rewritten))
    assert problem.key == key
    assert "missing" in problem.message
    assert fix_words in problem.fix


def test_a_date_that_is_no_date_is_refused_with_its_line() -> None:
    problem = only_problem(HEADER.replace("2025-01-15", "someday"))
    assert (problem.key, problem.line) == ("time.delivery_start_date", 4)
    assert "'someday' is not a date" in problem.message
    assert "YYYY-MM-DD" in problem.fix


def test_dates_upstream_reads_with_dateutil_are_accepted() -> None:
    label = parse_label_text(HEADER.replace("2025-01-15", "January 15, 2025"), "label.yaml")
    assert label.data["time"]["delivery_start_date"] == "January 15, 2025"


def test_an_invalid_regex_names_the_filetype_its_position_and_the_regex_error() -> None:
    problem = only_problem(
        label_text(
            """\
            images:
              filename:
                - '.*\\.fits$'
                - '.*\\.fit[s$'
            """
        )
    )
    assert problem.key == "filetypes.images.filename[1]"
    assert problem.line == 11
    assert "filetype 'images'" in problem.message
    assert "unterminated character set" in problem.message
    assert "'\\['" in problem.fix


def test_an_invalid_exclusion_regex_is_reported_without_its_marker() -> None:
    problem = only_problem(label_text("images:\n  filename: ['.*', '(?!)(unclosed']\n"))
    assert problem.key == "filetypes.images.filename[1]"
    assert "'(unclosed' is not a valid regular expression" in problem.message


def test_bad_yaml_reports_line_and_column() -> None:
    problem = only_problem(HEADER + "filetypes:\n  images:\n    filename: [.*\\.fits\n")
    assert problem.line == 10
    assert "not valid YAML" in problem.message
    assert "line 9, column 15" in problem.message  # where the unclosed list starts
    assert "quote" in problem.fix


def test_a_forbidden_character_is_located() -> None:
    problem = only_problem(HEADER + "custom_metadata: bell\x07\n")
    assert problem.line == 7
    assert "'\\x07'" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the label is empty"), ("- a\n- b\n", "must be a mapping of keys to values, not a list")],
)
def test_a_label_that_is_not_a_mapping(text: str, message: str) -> None:
    assert message in only_problem(text).message


def test_an_unknown_key_gets_a_spelling_suggestion() -> None:
    problem = only_problem(label_text("images:\n  filename: '.*'\n  standrd: fits\n"))
    assert problem.key == "filetypes.images.standrd"
    assert problem.line == 10
    assert "did you mean 'standard'?" in problem.fix


def test_a_key_given_twice_in_an_element_is_refused() -> None:
    problem = only_problem(HEADER + "dataset: other\n")
    assert (problem.key, problem.line) == ("dataset", 7)
    assert "appears twice" in problem.message


def test_a_filetype_defined_twice_keeps_its_first_place_and_last_body_with_a_warning() -> None:
    label = make_label(
        """\
        images: {filename: 'a.*'}
        tables: {filename: 't.*'}
        images: {filename: 'b.*'}
        """
    )
    assert [f.name for f in label.filetypes] == ["images", "tables"]
    assert label.filetype("images").include_patterns == ("b.*",)
    (warning,) = label.warnings
    assert warning.key == "filetypes.images"
    assert "the archive uses the last one" in warning.message


def test_explicit_yaml_tags_are_refused() -> None:
    problem = only_problem(HEADER.replace("dataset: demo_set", "dataset: !!binary ZGVtbw=="))
    assert problem.key == "dataset"
    assert "explicit YAML tag" in problem.message
    assert problem.fix == "remove the tag"


def test_all_problems_are_collected_and_sorted_by_line() -> None:
    text = (
        HEADER.replace("2025-01-15", "never").replace("'0001'", "'0x1'")
        + "filetypes:\n  images: {filename: '('}\n"
    )
    problems = problems_of(text)
    assert [p.key for p in problems] == [
        "delivery_id",
        "time.delivery_start_date",
        "filetypes.images.filename",
    ]
    assert [p.line for p in problems] == [2, 4, 8]


def test_canonical_text_round_trips_and_keeps_strings_quoted() -> None:
    label = make_label(
        """\
        images:
          filename: ['.*\\.fits$', '(?!)test_.*']
          ignore: 'true'
        """
    )
    canonical = label.canonical_text()
    assert parse_label_text(canonical, "again.yaml").data == label.data
    plain = yaml.safe_load(canonical)
    assert plain["delivery_id"] == "0001"
    assert plain["filetypes"]["images"]["ignore"] == "true"
    assert plain["filetypes"]["images"]["filename"][1] == "(?!)test_.*"


def test_a_missing_label_file_is_a_problem_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound) as caught:
        parse_label(tmp_path / "nope.yaml")
    (problem,) = caught.value.problems
    assert "cannot read the label" in problem.message
    assert problem.file.endswith("nope.yaml")


def test_a_label_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "label.yaml"
    path.write_bytes(HEADER.encode() + b"custom_metadata: caf\xe9\n")
    with pytest.raises(ProblemsFound) as caught:
        parse_label(path)
    (problem,) = caught.value.problems
    assert problem.line == 7
    assert "0xe9" in problem.message
    assert "UTF-8" in problem.fix


def test_contacts_must_be_email_addresses() -> None:
    problem = only_problem(HEADER + "contacts:\n  provider: [ok@example.org, bob]\n")
    assert (problem.key, problem.line) == ("contacts.provider[1]", 8)
    assert "'bob' has no @domain part" in problem.message


@pytest.mark.parametrize(
    ("dataset", "reason"),
    [
        ("Demo_Set", "no capital letters"),
        ("demo.set", "cannot contain '.'"),
        ("demo set", "cannot contain ' '"),
        ("''", "it is empty"),
    ],
)
def test_a_dataset_that_cannot_name_a_bucket_is_refused(dataset: str, reason: str) -> None:
    problem = only_problem(HEADER.replace("dataset: demo_set", f"dataset: {dataset}"))
    assert (problem.key, problem.line) == ("dataset", 1)
    assert reason in problem.message
    assert "lower-case letters" in problem.fix


def test_names_too_long_for_any_bucket_stem_are_refused() -> None:
    text = HEADER.replace("demo_set", "d" * 30).replace("'0001'", "'" + "1" * 10 + "'")
    problem = only_problem(text)
    assert "too long for S3 bucket names" in problem.message
    assert "shorten dataset or delivery_id" in problem.fix


def test_names_that_leave_little_room_for_the_stem_are_a_warning() -> None:
    label = parse_label_text(HEADER.replace("demo_set", "d" * 25), "label.yaml")
    (warning,) = label.warnings
    # "-ddd…-0001-control--use1-az4--x-s3" is 55 characters: 8 are left for the stem.
    assert "leave only 8 characters for the archive's bucket stem" in warning.message


def test_with_the_archive_stem_the_exact_bucket_name_is_checked() -> None:
    errors, warnings = check_delivery_names(
        "demo_set", "0001", source_name="l.yaml", bucket_stem="s" * 30
    )
    assert warnings == []
    assert "is 68 characters; S3 allows 63" in errors[0].message
    assert check_delivery_names("demo_set", "0001", source_name="l", bucket_stem="s" * 25) == (
        [],
        [],
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "message", "fix"),
    [
        (TIME, "time: 2025-01-15\n", "time", "time must be a mapping", "indented"),
        ("dataset: demo_set", "dataset: [a, b]", "dataset", "expected a single value", "one"),
        (META, META + "contacts: {provider: {a: b}}\n", "contacts.provider", "a list", "list"),
    ],
)
def test_a_value_of_the_wrong_shape_is_named(
    old: str, new: str, key: str, message: str, fix: str
) -> None:
    problem = only_problem(HEADER.replace(old, new))
    assert problem.key == key
    assert message in problem.message
    assert fix in problem.fix
