"""Pick the one IAM role the account holds for a delivery, from the id token's `cognito:roles`.

The archive gives each delivery a role named `...{dataset}-{delivery_id}-role`, granted through a
user-pool group; exactly one must match (PROTOCOL.md §2 step 7), before any AWS call is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from uploader_gui.auth.errors import NotAuthorisedForDelivery

ROLES_CLAIM = "cognito:roles"


def role_suffix(dataset: str, delivery_id: str) -> str:
    return f"{dataset}-{delivery_id}-role"


def roles_in(claims: Mapping[str, Any]) -> list[str]:
    """The role ARNs of the id token (Cognito sends a list; tolerate one bare string)."""
    raw = claims.get(ROLES_CLAIM, [])
    if isinstance(raw, str):
        raw = [raw]
    return [role for role in raw if isinstance(role, str)] if isinstance(raw, list) else []


def select_delivery_role(
    claims: Mapping[str, Any], dataset: str, delivery_id: str, *, account: str
) -> str:
    suffix = role_suffix(dataset, delivery_id)
    matches = [role for role in roles_in(claims) if role.endswith(suffix)]
    if len(matches) == 1:
        return matches[0]
    delivery = f"{dataset} {delivery_id}"
    if not matches:
        raise NotAuthorisedForDelivery(
            f"The account {account} is not authorised for delivery {delivery}: none of its "
            f"roles ends in '{suffix}'. Ask the archive to add the account to that delivery, "
            "or check the dataset and delivery id in the label."
        )
    raise NotAuthorisedForDelivery(
        f"The account {account} has {len(matches)} roles for delivery {delivery} "
        f"({', '.join(matches)}); exactly one is needed. Ask the archive to remove the extra "
        "group membership."
    )
