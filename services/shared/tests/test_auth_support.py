"""Keys the shared auth tests sign with: one per known caller, plus a "stranger" whose key signs
fine but whom no authenticator accepts.

Not a test module itself (nothing here is collected); the auth test modules import it.
"""

from __future__ import annotations

from typing import Any

from portfolio_shared.auth import (
    KNOWN_CALLERS,
    TokenAuthenticator,
    generate_keyring,
    issue_token,
    public_keys,
)

KEYRING = generate_keyring([*KNOWN_CALLERS, "stranger"])


def authenticator(audience: str) -> TokenAuthenticator:
    """Token mode for ``audience``, accepting every known caller's key of :data:`KEYRING`."""
    return TokenAuthenticator(audience=audience, keys=public_keys(KEYRING))


def bearer(issuer: str, audience: str, **kwargs: Any) -> dict[str, str]:
    """``Authorization`` with a token from ``issuer`` to ``audience``, signed with the issuer's key."""
    token = issue_token(issuer=issuer, audience=audience, key=KEYRING[issuer], **kwargs)
    return {"Authorization": f"Bearer {token}"}
