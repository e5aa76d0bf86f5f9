"""Expired credentials on the data plane: renewed once per expiry, the request sent again."""

from __future__ import annotations

import pytest

from uploader_gui.aws.errors import ExpiredCredentialsError
from uploader_gui.core.errors import RetryableError, SignInRequired
from uploader_gui.transfer.s3_requests import CredentialsRefresher, with_fresh_credentials


def expiring(times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def request() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise ExpiredCredentialsError("expired")
        return "sent"

    return calls, request


def test_a_request_is_sent_again_after_each_refresh() -> None:
    refreshes: list[int] = []
    refresher = CredentialsRefresher(lambda: refreshes.append(1))
    calls, request = expiring(2)

    assert with_fresh_credentials(refresher, request) == "sent"  # type: ignore[arg-type]
    assert (len(calls), len(refreshes)) == (3, 2)


def test_credentials_that_keep_expiring_mean_signing_in_again() -> None:
    refresher = CredentialsRefresher(lambda: None)
    _, request = expiring(100)

    with pytest.raises(SignInRequired, match="clock"):
        with_fresh_credentials(refresher, request)  # type: ignore[arg-type]


def test_without_a_refresh_hook_an_expiry_means_signing_in_again() -> None:
    _, request = expiring(1)

    with pytest.raises(SignInRequired, match="sign in again"):
        with_fresh_credentials(CredentialsRefresher(None), request)  # type: ignore[arg-type]


def test_one_refresh_serves_every_worker_that_saw_the_same_expiry() -> None:
    refreshes: list[int] = []
    refresher = CredentialsRefresher(lambda: refreshes.append(1))
    seen = refresher.generation

    refresher.refresh(seen)
    refresher.refresh(seen)  # a second worker, same expiry: already renewed

    assert len(refreshes) == 1


def test_a_failing_provider_is_a_retryable_error_and_sign_in_passes_through() -> None:
    def broken() -> None:
        raise OSError("network down")

    def needs_sign_in() -> None:
        raise SignInRequired("sign in")

    with pytest.raises(RetryableError, match="network down"):
        CredentialsRefresher(broken).refresh(0)
    with pytest.raises(SignInRequired):
        CredentialsRefresher(needs_sign_in).refresh(0)
