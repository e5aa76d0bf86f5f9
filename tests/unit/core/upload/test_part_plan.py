"""Single PUT or multipart, and part sizes within S3's limits, up to 5 TiB (pure arithmetic)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from uploader_gui.core.errors import PermanentError
from uploader_gui.core.upload.part_plan import (
    GIB,
    MAX_OBJECT_BYTES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MIB,
    MIN_PART_BYTES,
    TIB,
    PartPlanner,
)


def test_files_below_the_threshold_go_in_one_put() -> None:
    plan = PartPlanner(threshold_bytes=64 * MIB).plan(64 * MIB - 1)

    assert not plan.is_multipart
    assert plan.part_count == 1
    assert plan.part(1).size_bytes == 64 * MIB - 1


def test_an_empty_file_is_one_empty_put() -> None:
    plan = PartPlanner().plan(0)

    assert not plan.is_multipart
    assert plan.part(1).size_bytes == 0


def test_at_the_threshold_the_file_goes_in_parts_with_a_smaller_last_part() -> None:
    plan = PartPlanner(threshold_bytes=40 * MIB, part_size_bytes=16 * MIB).plan(40 * MIB)

    assert plan.is_multipart
    assert [p.size_bytes for p in plan.parts()] == [16 * MIB, 16 * MIB, 8 * MIB]
    assert [p.offset_bytes for p in plan.parts()] == [0, 16 * MIB, 32 * MIB]


@pytest.mark.parametrize("size_bytes", [64 * MIB, 100 * GIB + 7, 156 * GIB, 1 * TIB + 1])
def test_parts_cover_the_file_exactly_within_the_limits(size_bytes: int) -> None:
    plan = PartPlanner().plan(size_bytes)
    parts = list(plan.parts())

    assert sum(p.size_bytes for p in parts) == size_bytes
    assert len(parts) <= MAX_PARTS
    assert all(MIN_PART_BYTES <= p.size_bytes <= MAX_PART_BYTES for p in parts[:-1])
    assert all(b.offset_bytes == a.offset_bytes + a.size_bytes for a, b in pairwise(parts))


def test_a_5_tib_file_grows_its_parts_to_fit_10000() -> None:
    plan = PartPlanner(part_size_bytes=16 * MIB).plan(MAX_OBJECT_BYTES)

    assert plan.part_size_bytes == 525 * MIB
    assert plan.part_count == 9_987
    assert plan.part(plan.part_count).size_bytes == MAX_OBJECT_BYTES - 9_986 * 525 * MIB
    assert plan.part_size_bytes <= MAX_PART_BYTES


def test_the_part_size_only_grows_when_10000_parts_would_not_do() -> None:
    planner = PartPlanner(part_size_bytes=16 * MIB)

    assert planner.part_size_for(MAX_PARTS * 16 * MIB) == 16 * MIB
    assert planner.part_size_for(MAX_PARTS * 16 * MIB + 1) == 17 * MIB


def test_more_than_5_tib_cannot_be_delivered() -> None:
    with pytest.raises(PermanentError, match="5 TiB"):
        PartPlanner().plan(MAX_OBJECT_BYTES + 1)


def test_a_resumed_upload_keeps_its_part_size() -> None:
    plan = PartPlanner.plan_with_part_size(50 * MIB, 5 * MIB)

    assert plan.is_multipart
    assert plan.part_count == 10


@pytest.mark.parametrize(
    ("size_bytes", "part_bytes", "message"),
    [
        (MAX_PARTS * 5 * MIB + 1, 5 * MIB, "10000"),
        (50 * MIB, 4 * MIB, "outside"),
        (50 * MIB, 6 * GIB, "outside"),
    ],
)
def test_a_part_size_that_no_longer_fits_is_refused(
    size_bytes: int, part_bytes: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PartPlanner.plan_with_part_size(size_bytes, part_bytes)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"part_size_bytes": 4 * MIB}, "part size"),
        ({"part_size_bytes": 6 * GIB}, "part size"),
        ({"threshold_bytes": 0}, "threshold"),
        ({"threshold_bytes": 6 * GIB}, "threshold"),
    ],
)
def test_planner_settings_outside_s3_limits_are_refused(
    settings: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PartPlanner(**settings)


def test_a_part_number_outside_the_plan_is_refused() -> None:
    plan = PartPlanner.plan_with_part_size(12 * MIB, 5 * MIB)

    with pytest.raises(ValueError, match=r"1\.\.3"):
        plan.part(4)
    with pytest.raises(ValueError, match=r"1\.\.3"):
        plan.part(0)
