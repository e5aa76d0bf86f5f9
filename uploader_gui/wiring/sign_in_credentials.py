"""Credentials for a delivery to an archive with a `[cognito]` profile, from a signed-in
`ProfileSignIn`: the session's `CredentialsSource`, and its `SignInWatch` for pause-and-ask.

The botocore credentials object is made once per delivery and renews itself; after a new
sign-in (the same `ProfileSignIn`) its next renewal succeeds, so the transfer goes on with it.
"""

from __future__ import annotations

from botocore.credentials import Credentials

from uploader_gui.auth.identity_credentials import DeliveryCredentials
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.core.errors import SignInRequired


class SignedInCredentials:
    def __init__(self, auth: ProfileSignIn) -> None:
        self.auth = auth
        self.delivery: DeliveryCredentials | None = None

    def __repr__(self) -> str:
        return f"SignedInCredentials({self.auth!r})"

    def __call__(self, dataset: str, delivery_id: str) -> Credentials | None:
        if not self.auth.is_signed_in:
            raise SignInRequired(
                f"Not signed in to {self.auth.profile.name}: sign in to deliver to it."
            )
        self.delivery = self.auth.delivery_credentials(dataset, delivery_id)
        return self.delivery.botocore_credentials

    def needs_sign_in(self) -> bool:
        delivery = self.delivery
        if delivery is None:
            return False
        return delivery.needs_sign_in() or not self.auth.is_signed_in
