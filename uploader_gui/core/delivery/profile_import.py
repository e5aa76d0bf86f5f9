"""Adding a connection profile an archive handed to a partner (a `.fastprofile` file).

The file is a profile TOML (see `profile.py`) under another extension, so the installers can
register it: double-clicking one, `uploader-gui --import-profile FILE`, or dropping it on the
window all come here. It is checked exactly as a profile is loaded, then saved into the
profiles folder under a name made from the archive's, so it shows in the Archive list. A bad
file is refused with a message naming the file, the key and the fix; nothing is written then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.delivery.profile import Profile, load_profile, save_profile

PROFILE_FILE_SUFFIX = ".fastprofile"
_ACCEPTED_SUFFIXES = (PROFILE_FILE_SUFFIX, ".toml")
# The built-in local archive's own profile file: never replaced by an imported one.
RESERVED_FILE_NAMES = frozenset({"local-archive.toml"})


class ImportOutcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "already there"


@dataclass(frozen=True)
class ImportedProfile:
    profile: Profile
    path: Path
    outcome: ImportOutcome

    @property
    def message(self) -> str:
        """One line for the person: what happened to which archive."""
        return f"Archive “{self.profile.name}” {self.outcome.value} ({self.path.name})."


def is_profile_file(path: str | Path) -> bool:
    """Whether a path looks like a profile file to import (by its name only: no I/O)."""
    return str(path).lower().endswith(PROFILE_FILE_SUFFIX)


def profile_file_name(profile: Profile) -> str:
    """`MAST Archive (test)` → `mast-archive-test.toml`."""
    stem = re.sub(r"[^a-z0-9]+", "-", profile.name.lower()).strip("-") or "archive"
    return f"{stem}.toml"


def import_profile(source: Path, profiles_dir: Path) -> ImportedProfile:
    """Check `source` and save it into `profiles_dir`; `ProblemsFound` if it is not usable."""
    if source.suffix.lower() not in _ACCEPTED_SUFFIXES:
        raise ProblemsFound(
            [
                Problem(
                    str(source),
                    "this is not a connection profile",
                    fix=f"open the {PROFILE_FILE_SUFFIX} file the archive sent you",
                )
            ]
        )
    profile = load_profile(source)
    name = profile_file_name(profile)
    if name in RESERVED_FILE_NAMES:
        raise ProblemsFound(
            [
                Problem(
                    str(source),
                    f"the name {profile.name!r} is the built-in local archive's",
                    key="name",
                    fix="give the archive another name in the file",
                )
            ]
        )
    target = profiles_dir / name
    outcome = ImportOutcome.ADDED
    if target.exists():
        try:
            outcome = (
                ImportOutcome.UNCHANGED
                if load_profile(target).to_toml_dict() == profile.to_toml_dict()
                else ImportOutcome.UPDATED
            )
        except ProblemsFound:
            outcome = ImportOutcome.UPDATED  # the old file was broken: the new one replaces it
    if outcome is not ImportOutcome.UNCHANGED:
        save_profile(profile, target)
    return ImportedProfile(profile, target, outcome)
