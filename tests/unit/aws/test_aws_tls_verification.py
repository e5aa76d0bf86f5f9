"""TLS stays verified, and a private CA given in AWS_CA_BUNDLE (a corporate proxy's) is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials

from uploader_gui.aws.clients import lambda_client, make_session, s3_client, ssm_client
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.transfer.transfer_clients import TransferClientFactory

PROFILE = Profile(name="Remote", region="us-east-1", endpoint_url="https://s3.example.org")


def verify_setting(client: Any) -> object:
    return client._endpoint.http_session._verify


def all_clients() -> list[Any]:
    session = make_session(PROFILE, Credentials("AKIDEXAMPLE", "not-a-real-secret"))
    factory = TransferClientFactory(session, PROFILE)
    return [
        s3_client(session, PROFILE),
        ssm_client(session, PROFILE),
        lambda_client(session, PROFILE),
        factory(),
    ]


def test_certificates_are_verified_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    for client in all_clients():
        setting = verify_setting(client)
        # True (botocore's bundle) or the path of the machine's bundle: never False.
        assert setting is True or (isinstance(setting, str) and Path(setting).exists())


def test_a_private_ca_bundle_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
    for client in all_clients():
        assert verify_setting(client) == str(bundle)
