"""PKCE (RFC 7636, S256) verifier/challenge pairs and the `state` value of one sign-in."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field


def _urlsafe_b64_no_padding(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256_challenge(verifier: str) -> str:
    """The S256 code challenge: URL-safe base64 of SHA-256(verifier), without padding."""
    return _urlsafe_b64_no_padding(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class PkcePair:
    # The verifier proves we started this sign-in: it never leaves this process except in the
    # token request body, and never appears in a repr.
    verifier: str = field(repr=False)
    challenge: str


def new_pkce_pair(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> PkcePair:
    """A fresh pair: 32 random bytes give a 43-character verifier, as upstream does."""
    verifier = _urlsafe_b64_no_padding(random_bytes(32))
    return PkcePair(verifier=verifier, challenge=s256_challenge(verifier))


def new_state() -> str:
    """An unguessable `state` that ties the browser's answer to this sign-in attempt."""
    return secrets.token_urlsafe(32)
