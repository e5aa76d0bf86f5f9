"""Adding an archive's profile file: checked like any profile, saved under the archive's name,
refused with the fix when it cannot be used, and never over the built-in local archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import load_profile
from uploader_gui.core.delivery.profile_import import (
    ImportOutcome,
    import_profile,
    is_profile_file,
)

REMOTE = """
name = "MAST Archive (test)"
region = "us-east-1"
[cognito]
domain = "auth.example.org"
client_id = "abc"
redirect_uri = "http://localhost:3000"
user_pool_id = "us-east-1_x"
identity_pool_id = "us-east-1:y"
"""


def profile_file(tmp_path: Path, text: str, name: str = "mast.fastprofile") -> Path:
    path = tmp_path / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_added_then_updated_then_already_there(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    first = import_profile(profile_file(tmp_path, REMOTE), profiles)
    assert first.outcome is ImportOutcome.ADDED
    assert first.path == profiles / "mast-archive-test.toml"
    assert load_profile(first.path).cognito is not None
    assert first.message == "Archive “MAST Archive (test)” added (mast-archive-test.toml)."
    again = import_profile(profile_file(tmp_path, REMOTE), profiles)
    assert again.outcome is ImportOutcome.UNCHANGED
    changed = REMOTE.replace('client_id = "abc"', 'client_id = "def"')
    updated = import_profile(profile_file(tmp_path, changed), profiles)
    assert updated.outcome is ImportOutcome.UPDATED
    assert load_profile(updated.path).cognito.client_id == "def"  # type: ignore[union-attr]


def test_a_bad_file_is_refused_with_its_key_and_fix_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    profiles = tmp_path / "profiles"
    bad = profile_file(tmp_path, REMOTE.replace('region = "us-east-1"', 'region = "moon"'))
    with pytest.raises(ProblemsFound) as raised:
        import_profile(bad, profiles)
    (problem,) = raised.value.problems
    assert problem.file == str(bad)
    assert problem.key == "region"
    assert "us-east-1" in problem.fix
    assert not profiles.exists()


def test_the_built_in_local_archive_is_never_replaced(tmp_path: Path) -> None:
    text = REMOTE.replace('name = "MAST Archive (test)"', 'name = "Local archive"')
    with pytest.raises(ProblemsFound, match="built-in local archive"):
        import_profile(profile_file(tmp_path, text), tmp_path / "profiles")


def test_only_profile_files_are_taken(tmp_path: Path) -> None:
    with pytest.raises(ProblemsFound, match="not a connection profile"):
        import_profile(profile_file(tmp_path, REMOTE, "label.yaml"), tmp_path / "profiles")
    assert is_profile_file("/home/me/Downloads/MAST.FASTPROFILE")
    assert not is_profile_file("/home/me/data")
