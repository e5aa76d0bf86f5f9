"""Files get filetypes exactly as the archive assigns them, and mistakes are explained."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from tests.unit.core.delivery.label_texts import make_label
from uploader_gui.core.delivery.filetype_match import (
    archive_basename,
    has_literal_slash,
    match_filetypes,
    suggest_archive_pattern,
)

IMAGES_AND_TABLES = """\
images: {filename: '.*\\.fits$'}
tables: {filename: '.*\\.csv$'}
"""


def test_every_file_gets_its_filetype_by_basename() -> None:
    label = make_label(IMAGES_AND_TABLES)
    match = match_filetypes(label, ["a.fits", "deep/er/b.fits", "t/c.csv"])
    assert dict(match.assignments) == {
        "a.fits": "images",
        "deep/er/b.fits": "images",
        "t/c.csv": "tables",
    }
    assert match.is_accepted
    assert match.problems == ()
    assert match.server_error is None
    assert match.counts() == {"images": 2, "tables": 1}


def test_patterns_are_anchored_at_the_start_of_the_name_but_not_at_its_end() -> None:
    label = make_label("raw: {filename: 'img_\\d+'}\n")
    match = match_filetypes(label, ["img_001.fits", "x/img_2.dat"])
    assert set(match.assignments.values()) == {"raw"}
    assert match.is_accepted


def test_a_search_style_pattern_matches_nothing_and_the_problem_says_why() -> None:
    label = make_label("images: {filename: '\\.fits$'}\n")
    match = match_filetypes(label, ["data/a.fits", "data/b.fits"])
    assert set(match.assignments.values()) == {None}
    assert match.server_error == "No examples of filetype images in index"
    missing = next(p for p in match.problems if p.key == "filetypes.images.filename")
    assert "filetype 'images' matches no file" in missing.message
    assert "would find 2 files, e.g. 'data/a.fits'" in missing.message
    assert "from the START of the file NAME" in missing.message
    assert "write the pattern '\\.fits$' as '.*\\.fits$'" in missing.fix
    unassigned = next(p for p in match.problems if p.file == "data/a.fits")
    assert "would put it in 'images'" in unassigned.message
    assert "'.*\\.fits$'" in unassigned.fix


def test_a_pattern_partly_right_gets_a_hint_with_the_count_only_search_finds() -> None:
    label = make_label("images: {filename: ['\\d+\\.fits$']}\n")
    match = match_filetypes(label, ["2020.fits", "img_2021.fits", "img_2022.fits"])
    assert match.assignments["2020.fits"] == "images"
    assert match.assignments["img_2021.fits"] is None
    (hint,) = [h for h in match.hints if "matches 2 files by" in h.message]
    assert hint.key == "filetypes.images.filename"
    assert "none of them under the archive's rule" in hint.message
    assert hint.fix == "write '.*\\d+\\.fits$'"


def test_a_pattern_with_a_folder_can_never_match_and_says_so() -> None:
    label = make_label("raw: {filename: 'raw/.*\\.dat'}\n")
    match = match_filetypes(label, ["raw/a.dat"])
    assert match.assignments["raw/a.dat"] is None
    slash_hint = next(h for h in match.hints if "contains '/'" in h.message)
    assert "cannot match a folder" in slash_hint.message
    assert "'.*\\.dat'" in slash_hint.fix
    missing = next(p for p in match.problems if p.key == "filetypes.raw.filename")
    assert "would find 1 file, e.g. 'raw/a.dat'" in missing.message


def test_two_filetypes_on_one_file_is_a_collision_in_upstream_words() -> None:
    label = make_label(
        """\
        images: {filename: '.*\\.fits$'}
        previews: {filename: 'preview_.*'}
        """
    )
    match = match_filetypes(label, ["a.fits", "preview_a.fits", "preview_b.png"])
    (problem,) = match.problems
    assert problem.file == "preview_a.fits"
    assert problem.message == "matches filetypes 'images' and 'previews'"
    assert '"Filename definition for previews collides with images"' in problem.fix
    assert "exclusion" in problem.fix
    assert match.server_error == "Filename definition for previews collides with images"
    assert match.assignments["preview_a.fits"] == "images"  # the first, as upstream would


def test_many_collisions_are_listed_up_to_a_limit_then_counted() -> None:
    label = make_label("a: {filename: 'x.*'}\nb: {filename: '.*'}\n")
    match = match_filetypes(label, [f"x{i}" for i in range(5)] + ["y"], max_listed=2)
    assert [p.file for p in match.problems] == ["x0", "x1", "label.yaml"]
    assert match.problems[-1].message == "3 files more match filetypes 'a' and 'b'"
    assert match.problems[-1].key == "filetypes.b.filename"


def test_exclusions_are_subtracted_and_an_excluded_file_needs_another_filetype() -> None:
    label = make_label("images: {filename: ['.*\\.fits$', '(?!)test_.*']}\n")
    match = match_filetypes(label, ["a.fits", "sub/test_b.fits"])
    assert match.assignments == {"a.fits": "images", "sub/test_b.fits": None}
    (problem,) = match.problems
    assert problem.file == "sub/test_b.fits"
    assert "the exclusion '(?!)test_.*' takes it out of 'images'" in problem.message
    assert "add a filetype for these files" in problem.fix
    assert match.server_error == "Unable to assign types to 1/2 files"


def test_an_exclusion_written_for_search_excludes_nothing_and_a_hint_says_so() -> None:
    label = make_label("images: {filename: ['.*\\.fits$', '(?!)_tmp\\.fits$']}\n")
    match = match_filetypes(label, ["a.fits", "b_tmp.fits"])
    assert match.assignments["b_tmp.fits"] == "images"
    (hint,) = match.hints
    assert "would drop 1 file from 'images'" in hint.message
    assert "the archive keeps them in it" in hint.message
    assert hint.fix == "write '(?!).*_tmp\\.fits$'"


def test_every_filetype_needs_a_file_even_an_ignored_one() -> None:
    label = make_label("images: {filename: '.*\\.fits$'}\njunk: {filename: '~.*', ignore: true}\n")
    match = match_filetypes(label, ["a.fits"])
    (problem,) = match.problems
    assert problem.key == "filetypes.junk.filename"
    assert problem.line == 9
    assert "(a filetype with ignore: true needs a file too)" in problem.message
    assert "missing_filetypes_ok: true" in problem.fix
    assert match.server_error == "No examples of filetype junk in index"


def test_missing_filetypes_ok_turns_an_empty_filetype_into_a_hint() -> None:
    label = make_label(
        "images: {filename: '.*\\.fits$'}\ntables: {filename: '.*\\.csv'}\n",
        options="missing_filetypes_ok: true\n",
    )
    match = match_filetypes(label, ["a.fits"])
    assert match.is_accepted
    assert match.server_error is None
    (hint,) = match.hints
    assert "filetype 'tables' matches no file (allowed: missing_filetypes_ok)" in hint.message


def test_a_file_with_no_filetype_is_refused_unless_allowed() -> None:
    label = make_label(IMAGES_AND_TABLES)
    match = match_filetypes(label, ["a.fits", "b.csv", "notes.txt"])
    (problem,) = match.problems
    assert (problem.file, problem.message) == ("notes.txt", "matches no filetype")
    assert "no_assigned_filetype_ok: true" in problem.fix
    assert match.server_error == "Unable to assign types to 1/3 files"

    allowed = make_label(IMAGES_AND_TABLES, options="no_assigned_filetype_ok: true\n")
    match = match_filetypes(allowed, ["a.fits", "b.csv", "notes.txt"])
    assert match.is_accepted
    assert match.assignments["notes.txt"] is None
    assert "1 file match no filetype (allowed by no_assigned_filetype_ok)" in match.hints[0].message


def test_many_files_with_no_filetype_are_listed_up_to_a_limit() -> None:
    label = make_label("images: {filename: '.*\\.fits$'}\n")
    match = match_filetypes(label, ["a.fits"] + [f"n{i}.txt" for i in range(30)])
    assert len(match.problems) == 21
    assert match.problems[-1].message == "10 files more match no filetype"
    assert match.server_error == "Unable to assign types to 30/31 files"


def test_the_server_error_is_the_first_failure_in_label_order() -> None:
    label = make_label(
        """\
        a: {filename: 'a.*'}
        b: {filename: 'b.*'}
        c: {filename: '.*'}
        """
    )
    match = match_filetypes(label, ["a1", "c1"])
    assert match.server_error == "No examples of filetype b in index"
    match = match_filetypes(label, ["a1", "b1", "c1"])
    assert match.server_error == "Filename definition for c collides with a, b"


def test_a_label_without_filetypes_leaves_every_file_unassigned() -> None:
    label = make_label("")
    match = match_filetypes(label, ["a"])
    assert match.assignments == {"a": None}
    assert match.server_error == "Unable to assign types to 1/1 files"


@pytest.mark.parametrize(
    ("patterns", "names", "claimed"),
    [
        (["(?i)x.*", "y"], ["X1", "y", "z"], {"X1", "y"}),  # inline flags stay per pattern
        (["(a)\\1.*", "b.*"], ["aa1", "ab", "b"], {"aa1", "b"}),  # back-references too
        (["a|b", "c"], ["b", "c", "d"], {"b", "c"}),
        (["a$", "b"], ["a", "ab", "bz"], {"a", "bz"}),
    ],
)
def test_several_patterns_claim_what_any_one_claims(
    patterns: list[str], names: list[str], claimed: set[str]
) -> None:
    quoted = ", ".join(f"'{p}'" for p in patterns)
    label = make_label(f"t: {{filename: [{quoted}]}}\n", options="no_assigned_filetype_ok: 1\n")
    match = match_filetypes(label, names)
    assert {name for name, ft in match.assignments.items() if ft == "t"} == claimed


@pytest.mark.parametrize(
    "path", ["a/b", "a/", "a/.", ".", "", "/", "//a", "a/..", "..", "a//b/./", "./x", "x.fits"]
)
def test_the_basename_is_pathlibs(path: str) -> None:
    assert archive_basename(path) == PurePosixPath(path).name


@pytest.mark.parametrize(
    ("pattern", "has_slash", "suggestion"),
    [
        ("raw/.*\\.fits", True, ".*\\.fits"),
        ("raw/img_.*", True, "img_.*"),
        ("^img", False, "img"),
        ("^data/img_\\d+", True, "img_\\d+"),
        ("a\\/b", True, "b"),
        ("[^/]+\\.fits", False, ".*[^/]+\\.fits"),
        ("[]/]x", False, ".*[]/]x"),
        ("\\.fits$", False, ".*\\.fits$"),
        (".*\\.fits$", False, ".*\\.fits$"),
    ],
)
def test_slash_detection_and_suggested_patterns(
    pattern: str, has_slash: bool, suggestion: str
) -> None:
    assert has_literal_slash(pattern) is has_slash
    assert suggest_archive_pattern(pattern) == suggestion


def test_a_large_file_list_is_classified_completely() -> None:
    label = make_label(
        "".join(f"t{i}: {{filename: ['.*_t{i}\\.fits$', '(?!)bad_.*']}}\n" for i in range(10))
    )
    paths = [f"d{i % 50}/f{i}_t{i % 10}.fits" for i in range(20_000)]
    match = match_filetypes(label, paths)
    assert match.is_accepted
    assert match.counts() == {f"t{i}": 2_000 for i in range(10)}
    assert match.assignments["d37/f1237_t7.fits"] == "t7"
