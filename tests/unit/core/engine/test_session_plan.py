"""The resume plan of a session: what is skipped, resumed, re-sent or registered, and why."""

from __future__ import annotations

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_plan import (
    CHANGED_ON_DISK,
    INTERRUPTED,
    KnownFile,
    plan_session,
    steps_to,
)
from uploader_gui.core.protocol.resume_plan import ResumeScan

A = FileFingerprint("a.fits", 100, 1_000, 0xAAAA)


def known(state: FileState, file: FileFingerprint = A, **changes: int) -> KnownFile:
    return KnownFile(file._replace(**changes), state)


def test_new_files_are_registered_ready_or_valid_by_the_scan() -> None:
    b = FileFingerprint("b.fits", 5, 6, 7)
    plan = plan_session([A, b], {}, ResumeScan(valid=("b.fits",), never_validated=("a.fits",)))
    assert plan.new_files == (A,)
    assert plan.new_valid_files == (b,)
    assert plan.to_send == (A,)
    assert plan.will_transfer == {"a.fits": True, "b.fits": False}
    assert plan.valid_before == 1
    assert plan.transitions == ()


def test_a_file_valid_on_the_archive_and_unchanged_is_skipped() -> None:
    plan = plan_session([A], {"a.fits": known(FileState.DONE)}, ResumeScan(valid=("a.fits",)))
    assert not plan.has_work
    assert [(t.path, t.steps) for t in plan.transitions] == [("a.fits", (FileState.VALID,))]


def test_a_changed_file_is_sent_again_even_if_the_archive_holds_a_valid_copy() -> None:
    plan = plan_session(
        [A], {"a.fits": known(FileState.PAUSED, mtime_ns=5)}, ResumeScan(valid=("a.fits",))
    )
    assert plan.to_send == (A,)
    assert plan.changed == (A,)
    assert plan.will_transfer == {"a.fits": True}
    (transition,) = plan.transitions
    assert transition.steps == (FileState.READY,)  # its old multipart parts are dropped
    assert transition.reason == CHANGED_ON_DISK
    assert any("changed on disk" in note for note in plan.notes)


def test_an_interrupted_upload_resumes_from_its_parts() -> None:
    scan = ResumeScan(never_validated=("a.fits",))
    for state in (FileState.TRANSFERRING, FileState.PENDING, FileState.RETRYING):
        plan = plan_session([A], {"a.fits": known(state)}, scan)
        assert [(t.steps, t.reason) for t in plan.transitions] == [
            ((FileState.PAUSED,), INTERRUPTED)
        ]
    for state in (FileState.PAUSED, FileState.FAILED, FileState.READY):
        assert plan_session([A], {"a.fits": known(state)}, scan).transitions == ()


def test_files_judged_or_uploaded_earlier_are_sent_to_this_validator_again() -> None:
    scan = ResumeScan(invalid={"a.fits": "incorrect crc32 checksum"})
    for state in (FileState.DONE, FileState.VALID, FileState.INVALID):
        (transition,) = plan_session([A], {"a.fits": known(state)}, scan).transitions
        assert transition.steps == (FileState.READY,)
        assert transition.reason == "sent again: incorrect crc32 checksum"


def test_a_fingerprint_without_a_checksum_compares_size_and_mtime_only() -> None:
    no_crc = FileFingerprint("a.fits", 100, 1_000, None)
    assert not no_crc.has_changed_from(known(FileState.VALID).file)
    assert no_crc.has_changed_from(known(FileState.VALID, size_bytes=99).file)
    assert A.has_changed_from(known(FileState.VALID, crc32=1).file)


def test_steps_go_through_ready_when_there_is_no_direct_change() -> None:
    assert steps_to(FileState.PAUSED, FileState.VALID) == (FileState.READY, FileState.VALID)
    assert steps_to(FileState.DONE, FileState.VALID) == (FileState.VALID,)
    assert steps_to(FileState.READY, FileState.READY) == ()


def test_the_changed_files_note_counts_with_thousands_separators() -> None:
    files = [FileFingerprint(f"f/{n:06d}.fits", 100, 1_000, n) for n in range(100_000)]
    known_files = {f.path: known(FileState.PAUSED, f, mtime_ns=5) for f in files}
    plan = plan_session(files, known_files, ResumeScan())
    assert len(plan.changed) == 100_000
    assert "100,000 files changed on disk since the last session" in " ".join(plan.notes)
