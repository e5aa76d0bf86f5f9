"""The support bundle: one zip a partner sends to the archive's help desk when a delivery went
wrong, so nobody has to ask for the log, the receipt and "which version?" one by one.

It holds the app's log files (scrubbed again with the logging's `SecretRedactor`, in case an
old line predates a pattern), the delivery's receipt(s), a JSON summary of the delivery from the
state store (its record, the files that are not valid with their attempts, last error, verdict
and journal, and the counts by state), the app's, Python's, the OS's and Qt's versions, and the
connection profile without any secret field. Every text member goes through the redactor, which
also knows the profile's own secret values, so a secret cannot reach the zip even by being
quoted in a log line or an error message.

Qt-free and blocking: the window runs `write_support_bundle` on a worker thread, the CLI
(`uploader-gui support-bundle`) directly. The zip is written to a temporary file beside the
target and renamed over it, so a bundle is whole or absent. A target that cannot be written is a
`SupportBundleError` naming the file and the fix; a store or log that cannot be read is noted
in the bundle instead, because a bundle is most needed when something is broken.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import re
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from uploader_gui import __version__
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import Profile, load_profile
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.receipt import receipt_json_text
from uploader_gui.core.errors import FatalError, UserInputError
from uploader_gui.logging_setup import SecretRedactor
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.invalid_files import delivery_key_of_receipts
from uploader_gui.wiring.receipt_writer import receipt_of

BUNDLE_FORMAT = "uploader-gui support bundle"
SUMMARY_NAME = "delivery.json"
ABOUT_NAME = "about.json"
PROFILE_NAME = "profile.json"
# Enough for a help desk to see the pattern; the receipt in the bundle lists every file.
MAX_FILES_LISTED = 10_000
MAX_JOURNALS = 1_000
_SECRET_KEY = re.compile(r"secret|token|password", re.IGNORECASE)
_FIXES = {
    errno.ENOSPC: "make room on that disk or choose another one",
    errno.EROFS: "choose a folder on a disk that is not read-only",
}
_DEFAULT_FIX = "choose a folder you can write to, e.g. your Documents or Desktop"


class SupportBundleError(UserInputError):
    """The bundle could not be written where the person asked; the message says the fix."""


@dataclass(frozen=True)
class BundleSources:
    """Where the bundle's contents come from; None: the app's own folders."""

    store_path: Path | None = None
    log_dir: Path | None = None
    profiles_dir: Path | None = None
    environment: Mapping[str, str] = field(default_factory=dict)  # e.g. the window's Qt version


def write_support_bundle(
    target: Path,
    *,
    delivery_key: int | None = None,
    receipt_paths: Sequence[str] = (),
    profile: Profile | None = None,
    sources: BundleSources | None = None,
    redactor: SecretRedactor | None = None,
) -> Path:
    """Write the bundle to `target` (a .zip path) and return it.

    The delivery is `delivery_key`, else the one the receipt names, else the newest in the
    store. `profile` is the one used, else the one named by the delivery in `profiles_dir`.
    """
    sources = sources or BundleSources()
    redactor = redactor or SecretRedactor()
    members: dict[str, str] = {}
    key = delivery_key if delivery_key is not None else delivery_key_of_receipts(receipt_paths)
    summary = _delivery_summary(sources.store_path, key)
    receipt_text = summary.pop("receipt", None)
    members[SUMMARY_NAME] = _json_text(summary)
    if not receipt_paths and receipt_text:  # a session killed before writing its own
        members["receipts/receipt-from-store.json"] = receipt_text
    for path in receipt_paths:
        members[f"receipts/{Path(path).name}"] = _read_text(Path(path))
    profile = profile or _find_profile(sources.profiles_dir, summary.get("delivery"))
    if profile is not None:
        if profile.credentials is not None:
            redactor.add(profile.credentials.secret_access_key)
        members[PROFILE_NAME] = _json_text(public_profile(profile))
    members.update(_log_members(sources.log_dir))
    members[ABOUT_NAME] = _json_text(about(sources.environment))
    scrubbed = {name: redactor.redact(text) for name, text in members.items()}
    return _write_zip(target, scrubbed)


def public_profile(profile: Profile) -> dict[str, Any]:
    """The profile's settings with every secret field (secret key, tokens) removed."""
    return _without_secrets(profile.to_toml_dict())


def about(environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The versions a help desk asks for first."""
    versions = {"app": __version__, "python": sys.version.split()[0]}
    for package in ("PySide6-Essentials", "PySide6", "boto3", "botocore", "moto"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "format": BUNDLE_FORMAT,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {**versions, **(environment or {})},
        "os": {
            "platform": platform.platform(),
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
        },
    }


def _without_secrets(data: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, value in data.items():
        if _SECRET_KEY.search(name):
            continue
        kept[name] = _without_secrets(value) if isinstance(value, dict) else value
    return kept


def _json_text(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(could not read {path}: {error.strerror or error})\n"


def _delivery_summary(store_path: Path | None, key: int | None) -> dict[str, Any]:
    path = store_path or app_dirs().state_db_path
    if not path.exists():
        return {"note": f"no state store at {path}"}
    try:
        with StateStore(path) as store:
            if key is None:
                newest = store.deliveries()
                if not newest:
                    return {"note": "the state store holds no delivery"}
                key = newest[0].key
            return _summary_of(store, key)
    except KeyError:
        return {"note": f"no delivery {key} in the state store {path}"}
    except (FatalError, OSError) as error:
        return {"note": f"could not read the state store: {error}"}


def _summary_of(store: StateStore, key: int) -> dict[str, Any]:
    files = store.delivery_files(key)
    listed: list[dict[str, Any]] = []
    not_listed = 0
    for path, state in files.states():
        if state == FileState.VALID:
            continue
        if len(listed) >= MAX_FILES_LISTED:
            not_listed += 1
            continue
        record = files.record(path)
        entry: dict[str, Any] = {
            "path": path,
            "state": state.value,
            "size_bytes": record.file.size_bytes,
            "mtime_ns": record.file.mtime_ns,
            "crc32": record.file.crc32_base64,
            "attempts": record.attempts,
            "last_error": record.last_error,
            "verdict_message": record.verdict_message,
            "uploaded_at": record.uploaded_at,
            "validated_at": record.validated_at,
        }
        if len(listed) < MAX_JOURNALS:
            entry["journal"] = [asdict(line) for line in files.timeline(path)]
        listed.append(entry)
    receipt_delivery, records = receipt_of(store, key)
    return {
        "format": BUNDLE_FORMAT,
        "delivery": asdict(store.delivery(key)),
        "counts_by_state": {s.value: n for s, n in sorted(files.count_by_state().items())},
        "files_not_valid": listed,
        "files_not_valid_not_listed": not_listed,
        "receipt": receipt_json_text(receipt_delivery, records, app_version=__version__),
    }


def _find_profile(profiles_dir: Path | None, delivery: Any) -> Profile | None:
    if not isinstance(delivery, dict):
        return None
    folder = profiles_dir or app_dirs().profiles_dir
    try:
        paths = sorted(folder.glob("*.toml"))
    except OSError:
        return None
    for path in paths:
        with contextlib.suppress(ProblemsFound):
            profile = load_profile(path)
            if profile.name == delivery.get("profile_name"):
                return profile
    return None


def _log_members(log_dir: Path | None) -> dict[str, str]:
    folder = log_dir or app_dirs().data_dir / "logs"
    try:
        paths = sorted(p for p in folder.iterdir() if p.is_file() and ".log" in p.name)
    except OSError as error:
        return {"logs/README.txt": f"no logs read from {folder}: {error.strerror or error}\n"}
    return {f"logs/{path.name}": _read_text(path) for path in paths}


def _write_zip(target: Path, members: Mapping[str, str]) -> Path:
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        with os.fdopen(fd, "wb") as stream:
            with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                for name, text in members.items():
                    bundle.writestr(name, text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        reason = error.strerror or str(error)
        fix = _FIXES.get(error.errno or 0, _DEFAULT_FIX)
        raise SupportBundleError(
            f"Could not save the support bundle {target}: {reason}. Fix: {fix}.",
            path=str(target),
        ) from error
    return target
