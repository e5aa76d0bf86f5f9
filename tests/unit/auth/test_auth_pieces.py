"""PKCE, the hosted-UI addresses, id-token decoding, role choice, refresh windows, clock skew."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from uploader_gui.auth.clock_skew import check_clock_skew
from uploader_gui.auth.endpoints import HostedUiEndpoints
from uploader_gui.auth.errors import NotAuthorisedForDelivery, SignInFailed
from uploader_gui.auth.identity_credentials import refresh_windows_s
from uploader_gui.auth.pkce import new_pkce_pair
from uploader_gui.auth.roles import select_delivery_role
from uploader_gui.auth.tokens import decode_jwt_claims, tokens_from_response
from uploader_gui.core.delivery.problems import ProblemsFound

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# RFC 7636 Appendix B: these 32 octets give this verifier and this S256 challenge.
RFC_OCTETS = bytes.fromhex("7418dfb49799e0254ffa607dd8adbbba16d4254d69d6bff05b58055853848d79")


def fake_jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_pkce_pair_matches_rfc_7636_appendix_b() -> None:
    pair = new_pkce_pair(lambda size: RFC_OCTETS[:size])
    assert pair.verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pair.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pair.verifier not in repr(pair)


def test_fresh_pkce_pairs_differ_and_have_43_character_verifiers() -> None:
    first, second = new_pkce_pair(), new_pkce_pair()
    assert first.verifier != second.verifier
    assert len(first.verifier) == 43


def test_authorization_address_carries_every_parameter_cognito_needs() -> None:
    endpoints = HostedUiEndpoints.from_domain("example.auth.us-east-1.amazoncognito.com")
    url = endpoints.authorization_request_url(
        client_id="abc", redirect_uri="http://localhost:3000", code_challenge="CH", state="ST"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "example.auth.us-east-1.amazoncognito.com",
        "/oauth2/authorize",
    )
    assert parse_qs(parts.query) == {
        "client_id": ["abc"],
        "response_type": ["code"],
        "redirect_uri": ["http://localhost:3000"],
        "code_challenge": ["CH"],
        "code_challenge_method": ["S256"],
        "state": ["ST"],
        "scope": ["openid email"],
    }
    assert endpoints.token_url == "https://example.auth.us-east-1.amazoncognito.com/oauth2/token"


def test_a_local_provider_may_use_plain_http_on_loopback_only() -> None:
    local = HostedUiEndpoints.from_domain("http://127.0.0.1:8123/")
    assert local.token_url == "http://127.0.0.1:8123/oauth2/token"
    with pytest.raises(ProblemsFound) as caught:
        HostedUiEndpoints.from_domain("http://auth.example.org")
    assert caught.value.problems[0].key == "cognito.domain"
    assert "plain http" in str(caught.value)


def test_id_token_lifetime_is_measured_on_the_servers_clock_and_added_to_ours() -> None:
    # The server's clock is an hour ahead of ours: the token must still count as valid for 1 h.
    server_now = int((NOW + timedelta(hours=1)).timestamp())
    id_token = fake_jwt({"email": "a@example.org", "iat": server_now, "exp": server_now + 3600})
    tokens = tokens_from_response(
        {"id_token": id_token, "access_token": "acc", "refresh_token": "ref"}, received_at=NOW
    )
    assert tokens.id_expires_at == NOW + timedelta(hours=1)
    assert tokens.account == "a@example.org"
    assert "ref" not in repr(tokens)
    assert id_token not in repr(tokens)


def test_a_refresh_answer_without_refresh_token_keeps_the_old_one() -> None:
    id_token = fake_jwt({"sub": "s", "iat": 1, "exp": 61})
    tokens = tokens_from_response(
        {"id_token": id_token, "access_token": "acc"},
        received_at=NOW,
        previous_refresh_token="old-refresh",
    )
    assert tokens.refresh_token == "old-refresh"


def test_an_answer_without_tokens_or_with_a_broken_id_token_is_refused() -> None:
    with pytest.raises(SignInFailed, match="lacks"):
        tokens_from_response({"access_token": "acc", "refresh_token": "r"}, received_at=NOW)
    with pytest.raises(SignInFailed, match="not a JWT"):
        decode_jwt_claims("not-a-jwt")


ROLES = {
    "cognito:roles": [
        "arn:aws:iam::1:role/archive-ds-0012-role",
        "arn:aws:iam::1:role/archive-ds-0013-role",
        "arn:aws:iam::1:role/archive-other-0012-role",
    ]
}


def test_the_one_role_ending_in_dataset_and_delivery_is_chosen() -> None:
    role = select_delivery_role(ROLES, "ds", "0012", account="a@example.org")
    assert role == "arn:aws:iam::1:role/archive-ds-0012-role"


def test_no_matching_role_names_the_delivery_and_the_account() -> None:
    with pytest.raises(NotAuthorisedForDelivery) as caught:
        select_delivery_role(ROLES, "ds", "0099", account="a@example.org")
    message = str(caught.value)
    assert "a@example.org is not authorised for delivery ds 0099" in message
    assert "ds-0099-role" in message


def test_two_matching_roles_are_refused_and_listed() -> None:
    claims = {"cognito:roles": ["arn:aws:iam::1:role/x-ds-1-role", "arn:aws:iam::2:role/ds-1-role"]}
    with pytest.raises(NotAuthorisedForDelivery, match="2 roles for delivery ds 1"):
        select_delivery_role(claims, "ds", "1", account="a")


def test_an_id_token_without_roles_is_not_authorised() -> None:
    with pytest.raises(NotAuthorisedForDelivery):
        select_delivery_role({}, "ds", "0012", account="a")


def test_refresh_windows_scale_with_lifetime_and_match_upstream_for_an_hour() -> None:
    assert refresh_windows_s(3600) == (900, 600)
    advisory_s, mandatory_s = refresh_windows_s(90)
    assert (advisory_s, mandatory_s) == (22.5, 15.0)
    assert 0 < mandatory_s < advisory_s < 90
    assert refresh_windows_s(12 * 3600) == (900, 600)


def test_clock_skew_over_a_minute_is_reported_with_its_direction() -> None:
    def ours() -> datetime:
        return NOW

    assert check_clock_skew("Sun, 01 Mar 2026 12:00:45 GMT", clock=ours) is None
    behind = check_clock_skew("Sun, 01 Mar 2026 12:05:00 GMT", clock=ours)
    assert behind is not None
    assert "5 minutes behind" in behind
    ahead = check_clock_skew(NOW - timedelta(hours=3), clock=ours)
    assert ahead is not None
    assert "3.0 hours ahead of" in ahead
    assert check_clock_skew("not a date", clock=ours) is None
