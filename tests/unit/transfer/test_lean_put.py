"""The lean PutObject path addresses objects as botocore does, and is chosen by size alone."""

from __future__ import annotations

import pytest

from tests.unit.transfer.memory_s3 import MemoryS3
from uploader_gui.aws.clients import make_session
from uploader_gui.core.delivery.profile import Profile, StaticCredentials
from uploader_gui.transfer.lean_put import LEAN_PUT_MAX_BYTES, LeanPutter, uses_lean_put
from uploader_gui.transfer.transfer_clients import TransferClientFactory

KEYS = StaticCredentials("AKIDEXAMPLE", "not-a-real-secret")


def putter(endpoint_url: str | None, region: str = "eu-west-1") -> LeanPutter:
    profile = Profile(name="p", region=region, endpoint_url=endpoint_url, credentials=KEYS)
    made = LeanPutter.for_client(TransferClientFactory(make_session(profile), profile)())
    assert made is not None
    return made


def test_an_aws_bucket_is_addressed_by_its_host_name() -> None:
    assert (
        putter(None).object_url("tx-bucket", "dir/sub dir/a+b.fits")
        == "https://tx-bucket.s3.eu-west-1.amazonaws.com/dir/sub%20dir/a%2Bb.fits"
    )


def test_a_bucket_name_with_dots_goes_in_the_path_so_tls_names_match() -> None:
    assert (
        putter(None).object_url("tx.bucket", "a.fits")
        == "https://s3.eu-west-1.amazonaws.com/tx.bucket/a.fits"
    )


def test_a_custom_endpoint_is_addressed_path_style() -> None:
    assert (
        putter("http://127.0.0.1:4566").object_url("tx-bucket", "a.fits")
        == "http://127.0.0.1:4566/tx-bucket/a.fits"
    )


def test_a_client_that_is_not_botocores_has_no_lean_path() -> None:
    assert LeanPutter.for_client(MemoryS3()) is None


@pytest.mark.parametrize(
    ("size", "limit", "lean"),
    [
        (0, LEAN_PUT_MAX_BYTES, True),
        (LEAN_PUT_MAX_BYTES, LEAN_PUT_MAX_BYTES, True),
        (LEAN_PUT_MAX_BYTES + 1, LEAN_PUT_MAX_BYTES, False),
        (0, None, False),
    ],
)
def test_the_size_alone_chooses_the_path(size: int, limit: int | None, lean: bool) -> None:
    assert uses_lean_put(size, limit) is lean
