"""Cognito identity pool, enhanced flow: `GetId` + `GetCredentialsForIdentity(CustomRoleArn)`.

The client is unsigned (these calls are authenticated by the id token in `Logins`), in the
profile's region, pointed at the profile's endpoint only for a local archive (moto).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from uploader_gui.auth.clock_skew import parse_http_date
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.errors import FatalError, RetryableError, SignInRequired

log = logging.getLogger(__name__)

_REGION_PREFIX = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)_")
_RETRYABLE_CODES = {
    "TooManyRequestsException",
    "InternalErrorException",
    "LimitExceededException",
    "ServiceUnavailable",
    "ThrottlingException",
}
_SIGN_IN_CODES = {"NotAuthorizedException"}
_MAX_MESSAGE = 200


@dataclass(frozen=True, slots=True)
class IdentityCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: datetime  # on the server's clock
    server_date: datetime | None  # the response's Date header, to measure lifetimes with

    def secret_values(self) -> tuple[str, ...]:
        return (self.secret_access_key, self.session_token)


def identity_client(profile: Profile) -> Any:
    """An unsigned `cognito-identity` client for the profile (never reads local AWS keys)."""
    session = botocore.session.Session()
    config = Config(
        signature_version=UNSIGNED,
        region_name=profile.region,
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=30,
    )
    endpoint = profile.endpoint_url if profile.is_local else None
    return session.create_client("cognito-identity", endpoint_url=endpoint, config=config)


def logins_key(profile: Profile) -> str:
    """`cognito-idp.{region}.amazonaws.com/{user_pool_id}`; the pool id carries its region."""
    assert profile.cognito is not None
    pool_id = profile.cognito.user_pool_id
    match = _REGION_PREFIX.match(pool_id)
    region = match.group(1) if match else profile.region
    return f"cognito-idp.{region}.amazonaws.com/{pool_id}"


class IdentityPool:
    def __init__(self, profile: Profile, *, client: Any | None = None) -> None:
        if profile.cognito is None:
            raise ValueError("IdentityPool needs a profile with [cognito] settings")
        self._pool_id = profile.cognito.identity_pool_id
        self._logins_key = logins_key(profile)
        self._client = client if client is not None else identity_client(profile)
        self._identity_id: str | None = None

    def __repr__(self) -> str:
        return f"IdentityPool({self._pool_id!r})"

    def credentials(self, id_token: str, role_arn: str) -> IdentityCredentials:
        """Temporary AWS credentials for `role_arn`; errors become the core's classes."""
        logins = {self._logins_key: id_token}
        try:
            if self._identity_id is None:
                answer = self._client.get_id(IdentityPoolId=self._pool_id, Logins=logins)
                self._identity_id = str(answer["IdentityId"])
            answer = self._client.get_credentials_for_identity(
                IdentityId=self._identity_id, Logins=logins, CustomRoleArn=role_arn
            )
        except ClientError as exc:
            raise _translate_client_error(exc) from None
        except BotoCoreError as exc:
            raise RetryableError(
                f"cannot reach the identity service: {type(exc).__name__}"
            ) from None
        return _credentials_from(answer)


def _credentials_from(answer: dict[str, Any]) -> IdentityCredentials:
    raw = answer["Credentials"]
    expires_at = raw["Expiration"]
    if not isinstance(expires_at, datetime):
        expires_at = datetime.fromtimestamp(float(expires_at), UTC)
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    date = headers.get("date")
    return IdentityCredentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretKey"],
        session_token=raw["SessionToken"],
        expires_at=expires_at.astimezone(UTC),
        server_date=parse_http_date(date) if isinstance(date, str) else None,
    )


def _translate_client_error(exc: ClientError) -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "")) or "Unknown"
    message = str(error.get("Message", ""))[:_MAX_MESSAGE]
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _RETRYABLE_CODES or (isinstance(status, int) and status >= 500):
        return RetryableError(f"the identity service is busy ({code})")
    if code in _SIGN_IN_CODES:
        return SignInRequired(
            f"The archive did not accept the sign-in ({code}: {message}). Sign in again."
        )
    return FatalError(
        f"The archive's identity pool refused credentials ({code}: {message}). "
        "Ask the archive to check the account and the profile's identity pool."
    )
