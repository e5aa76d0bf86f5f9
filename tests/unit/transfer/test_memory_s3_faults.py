"""The in-memory S3's injected faults, which the engine's unit tests rely on: an error answers
only the requests chosen, as often as asked; a lost answer comes after the request took effect;
an action runs as its request arrives, before the body is read; every request is logged."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.unit.transfer.memory_s3 import MemoryS3
from tests.unit.transfer.memory_s3_faults import Request, s3_error

BUSY = s3_error(503, "SlowDown", "Please reduce your request rate.", retry_after="3")


def put(s3: MemoryS3, key: str, data: bytes = b"data") -> None:
    s3.client().put_object(Bucket="b", Key=key, Body=data, ChecksumCRC32=None)


def test_an_error_answers_the_chosen_requests_as_often_as_asked() -> None:
    s3 = MemoryS3("b")
    s3.fail("PutObject", BUSY, key="a.fits", times=2)

    put(s3, "other.fits")
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            put(s3, "a.fits")
        headers = refused.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert (refused.value.response["Error"]["Code"], headers["retry-after"]) == (
            "SlowDown",
            "3",
        )
    put(s3, "a.fits")

    assert s3.requests == [
        Request("PutObject", "other.fits", None, 200),
        Request("PutObject", "a.fits", None, 503),
        Request("PutObject", "a.fits", None, 503),
        Request("PutObject", "a.fits", None, 200),
    ]
    assert (s3.sent("PutObject", "a.fits"), s3.sent("PutObject", "a.fits", status=None)) == (1, 3)


def test_a_lost_answer_comes_after_the_request_took_effect() -> None:
    s3 = MemoryS3("b")
    s3.fail("PutObject", BUSY, key="a.fits", answer_lost=True)

    with pytest.raises(ClientError):
        put(s3, "a.fits", b"landed")

    stored = s3.object("b", "a.fits")
    assert stored is not None
    assert stored.data == b"landed"


def test_an_action_runs_as_its_part_arrives_before_the_body_is_read() -> None:
    s3 = MemoryS3("b")
    client = s3.client()
    upload_id = client.create_multipart_upload(Bucket="b", Key="a.fits")["UploadId"]
    seen: list[int] = []
    s3.before("UploadPart", lambda: seen.append(len(s3.requests)), key="a.fits", part_number=2)

    class Body:
        was_read = False

        def read(self, size: int) -> bytes:
            assert seen, "the action ran before the body was read"
            data, self.was_read = (b"" if self.was_read else b"part two"), True
            return data

    client.upload_part(Bucket="b", Key="a.fits", UploadId=upload_id, PartNumber=1, Body=b"one")
    client.upload_part(Bucket="b", Key="a.fits", UploadId=upload_id, PartNumber=2, Body=Body())
    client.upload_part(Bucket="b", Key="a.fits", UploadId=upload_id, PartNumber=3, Body=b"three")

    assert seen == [2]  # once, for part 2 only
    parts = client.list_parts(Bucket="b", Key="a.fits", UploadId=upload_id)["Parts"]
    assert [part["Size"] for part in parts] == [3, 8, 5]
