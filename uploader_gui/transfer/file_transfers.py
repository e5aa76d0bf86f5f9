"""What a worker does with a file: begin an attempt (one PUT or copy, or open a multipart run and
queue its missing parts), send one part, and complete a run once its last part is in.

Every attempt ends in exactly one call to `attempt_ended(file, failure, made_progress)`:
`failure` None means the file is on the archive; `ReadStopped` means a pause or cancel stopped
it; anything else is the reason it failed. The engine decides what follows (retry, fail, pause).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from uploader_gui.core.checksums.crc32 import ReadStopped, crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.object_keys import validate_object_key
from uploader_gui.core.errors import PermanentError
from uploader_gui.transfer.multipart_resume import discard_upload, open_run
from uploader_gui.transfer.multipart_run import MultipartRun
from uploader_gui.transfer.multipart_upload import UploadedPart, complete_upload, upload_part
from uploader_gui.transfer.s3_copy import copy_part, copy_whole_object
from uploader_gui.transfer.s3_requests import with_fresh_credentials
from uploader_gui.transfer.single_put import put_local_file
from uploader_gui.transfer.source_reading import (
    SINCE_INDEXED,
    WHILE_UPLOADING,
    SourceFile,
    body_for,
    describe_change,
)
from uploader_gui.transfer.transfer_context import LocalSource, S3Source, TransferServices, Worker
from uploader_gui.transfer.transfer_errors import SourceChangedError, SourceFileError

AttemptEnded = Callable[[FileFingerprint, BaseException | None, bool], None]
QueueParts = Callable[[MultipartRun, list[int]], None]
WithdrawParts = Callable[[MultipartRun], int]


class FileTransfers:
    """The worker side of the engine; stateless apart from its collaborators."""

    def __init__(
        self,
        services: TransferServices,
        *,
        attempt_ended: AttemptEnded,
        queue_parts: QueueParts,
        withdraw_parts: WithdrawParts,
    ) -> None:
        self._services = services
        self._attempt_ended = attempt_ended
        self._queue_parts = queue_parts
        self._withdraw_parts = withdraw_parts

    def begin(self, worker: Worker, file: FileFingerprint) -> None:
        """Start one attempt at `file` (the file is already `transferring`)."""
        try:
            self._begin(worker, file)
        except Exception as exc:  # noqa: BLE001 - every failure is the attempt's outcome
            self._attempt_ended(file, exc, False)

    def _begin(self, worker: Worker, file: FileFingerprint) -> None:
        services = self._services
        reason = validate_object_key(file.path)
        if reason is not None:
            raise PermanentError(f"{file.path} cannot be an object key: {reason}")
        source = services.source
        may_resume = True
        if isinstance(source, LocalSource):
            file, may_resume = self._as_on_disk(worker, source, file)
        plan = services.planner.plan(file.size_bytes)
        services.progress.start_file(file.path, file.size_bytes)
        if not plan.is_multipart:
            self._send_whole(worker, file)
            self._attempt_ended(file, None, True)
            return
        run = open_run(services, worker, file, plan, may_resume=may_resume)
        if run is None:  # an earlier Complete went through although its answer was lost
            self._attempt_ended(file, None, True)
            return
        services.progress.set_file_bytes(file.path, run.done_bytes())
        missing = run.missing_parts()
        if not missing:
            self._end_run(worker, run)
        elif services.gate.should_stop():
            self._attempt_ended(file, ReadStopped(), False)
        else:
            run.jobs_queued(len(missing))
            self._queue_parts(run, missing)

    def _send_whole(self, worker: Worker, file: FileFingerprint) -> None:
        services = self._services
        source = services.source
        if isinstance(source, S3Source):
            copy_whole_object(services, worker, source, file)
            return
        crc = put_local_file(services, worker, source, file)
        if file.crc32 is None:
            services.records.record_fingerprint(
                file.path, size_bytes=file.size_bytes, mtime_ns=file.mtime_ns, crc32=crc
            )

    def _as_on_disk(
        self, worker: Worker, source: LocalSource, file: FileFingerprint
    ) -> tuple[FileFingerprint, bool]:
        """`file` as it is on disk now, and whether an upload begun earlier may be resumed.

        A file that changed since it was indexed fails if the index holds its CRC32 (that
        checksum no longer describes it); without one it is sent as it is now. Either way an
        upload begun for the old content is discarded."""
        try:
            now = os.stat(source.os_path(file.path), follow_symlinks=False)
        except FileNotFoundError:
            raise SourceFileError(f"{file.path} no longer exists in {source.root}") from None
        except OSError as exc:
            raise SourceFileError(f"{file.path} cannot be read: {exc.strerror or exc}") from exc
        detail = describe_change(file.size_bytes, file.mtime_ns, now)
        if detail is None:
            return file, True
        if file.crc32 is not None:  # failing discards the upload begun for the old content
            raise SourceChangedError(file.path, detail, when=SINCE_INDEXED)
        record = self._services.records.multipart(file.path)
        if record is not None:
            discard_upload(
                self._services, worker, file.path, record.upload_id, f"the file changed ({detail})"
            )
        self._services.tell(
            file.path, f"changed since it was indexed ({detail}); it is sent as it is now"
        )
        return file._replace(size_bytes=now.st_size, mtime_ns=now.st_mtime_ns), False

    def send_part(self, worker: Worker, run: MultipartRun, number: int) -> None:
        """Send part `number` of `run` unless the run already failed or stopped."""
        uploaded: UploadedPart | None = None
        failure: BaseException | None = None
        if not run.should_skip():
            try:
                uploaded = self._send_part(worker, run, number)
            except ReadStopped:
                pass
            except Exception as exc:  # noqa: BLE001 - the run's outcome
                failure = exc
                run.failure = run.failure or exc
                run.jobs_withdrawn(self._withdraw_parts(run))
        if run.part_ended(uploaded=uploaded, failure=failure):
            self._end_run(worker, run)

    def _send_part(self, worker: Worker, run: MultipartRun, number: int) -> UploadedPart:
        services = self._services
        part = run.plan.part(number)
        source = services.source
        if isinstance(source, S3Source):
            uploaded = copy_part(services, worker, source, run.file, run.upload_id, part)
            if uploaded.crc32 is not None:
                self._record_part(run, uploaded)
            return uploaded
        file = run.file
        with SourceFile.open(
            source.os_path(file.path),
            file.path,
            size_bytes=file.size_bytes,
            mtime_ns=file.mtime_ns,
            when=WHILE_UPLOADING,
        ) as opened:
            loaded = worker.reader.load(
                opened, part.offset_bytes, part.size_bytes, should_stop=services.gate.should_stop
            )
            assert loaded.crc32 is not None
            crc = loaded.crc32
            body = body_for(
                opened, part.offset_bytes, part.size_bytes, loaded, services.body_hooks(file.path)
            )
            try:
                etag = with_fresh_credentials(
                    services.refresher,
                    lambda: upload_part(
                        worker.client, services.bucket, file.path, run.upload_id, number, body, crc
                    ),
                )
                opened.check_unchanged()
            except BaseException:
                services.progress.take_back(file.path, body.counted_bytes)
                raise
        uploaded = UploadedPart(number, etag, part.size_bytes, crc)
        self._record_part(run, uploaded)
        return uploaded

    def _record_part(self, run: MultipartRun, part: UploadedPart) -> None:
        assert part.crc32 is not None
        self._services.records.record_part(
            run.path,
            part_number=part.number,
            etag=part.etag,
            crc32=part.crc32,
            size_bytes=part.size_bytes,
        )

    def _end_run(self, worker: Worker, run: MultipartRun) -> None:
        """The run has no part job left: complete it, or report why it stopped."""
        if run.failure is not None:
            self._attempt_ended(run.file, run.failure, run.made_progress)
        elif run.is_stopped or not run.is_complete:
            self._attempt_ended(run.file, ReadStopped(), run.made_progress)
        else:
            try:
                self._complete(worker, run)
            except Exception as exc:  # noqa: BLE001 - the attempt's outcome
                self._attempt_ended(run.file, exc, run.made_progress)
                return
            self._attempt_ended(run.file, None, True)

    def _complete(self, worker: Worker, run: MultipartRun) -> None:
        services = self._services
        file = run.file
        combined = run.object_crc32()
        if file.crc32 is not None and combined is not None and combined != file.crc32:
            raise SourceChangedError(
                file.path,
                f"its parts add up to CRC32 {crc32_to_base64(combined)}, the index says "
                f"{crc32_to_base64(file.crc32)}",
                when=SINCE_INDEXED,
            )
        source = services.source
        if isinstance(source, LocalSource):
            self._as_on_disk_unchanged(source, file)
        object_crc = file.crc32 if file.crc32 is not None else combined
        with_fresh_credentials(
            services.refresher,
            lambda: complete_upload(
                worker.client,
                services.bucket,
                file.path,
                run.upload_id,
                run.parts_in_order(),
                object_crc,
            ),
        )
        if file.crc32 is None and combined is not None and isinstance(source, LocalSource):
            services.records.record_fingerprint(
                file.path, size_bytes=file.size_bytes, mtime_ns=file.mtime_ns, crc32=combined
            )

    @staticmethod
    def _as_on_disk_unchanged(source: LocalSource, file: FileFingerprint) -> None:
        with SourceFile.open(
            source.os_path(file.path),
            file.path,
            size_bytes=file.size_bytes,
            mtime_ns=file.mtime_ns,
            when=WHILE_UPLOADING,
        ):
            pass
