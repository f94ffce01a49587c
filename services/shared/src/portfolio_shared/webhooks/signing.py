"""Standard Webhooks signing and verification (re-exported by :mod:`portfolio_shared.webhooks`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping, Sequence

from portfolio_shared.errors import WebhookVerificationError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
TOLERANCE_SECONDS = 300

WEBHOOK_MISSING_HEADER = "webhook_missing_header"
WEBHOOK_INVALID_TIMESTAMP = "webhook_invalid_timestamp"
WEBHOOK_TIMESTAMP_TOO_OLD = "webhook_timestamp_too_old"
WEBHOOK_TIMESTAMP_TOO_NEW = "webhook_timestamp_too_new"
WEBHOOK_INVALID_SIGNATURE = "webhook_invalid_signature"
WEBHOOK_NO_SECRET = "webhook_no_secret"  # noqa: S105 - an error code, not a secret


def _key(secret: str) -> bytes:
    # Standard Webhooks secrets may be given as "whsec_<base64>"; anything else is used as raw text.
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def signature(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``id.timestamp.body`` with ``secret``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(
    secrets: Sequence[str],
    body: bytes,
    *,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Headers that sign ``body`` with every secret in ``secrets`` (a rotation list)."""
    if not secrets:
        raise ValueError("at least one webhook secret is required to sign")
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: " ".join(signature(s, msg_id, ts, body) for s in secrets),
    }


def verify(
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Verify a webhook's raw ``body`` against ``headers``; return its ``webhook-id``.

    ``headers`` is looked up case-insensitively. Raises :class:`WebhookVerificationError` whose
    ``error_code`` names the failure.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) if not lowered.get(h)]
    if missing:
        raise WebhookVerificationError(
            f"missing webhook header(s): {', '.join(missing)}",
            code=WEBHOOK_MISSING_HEADER,
            details={"missing": missing},
        )
    if not secrets:
        raise WebhookVerificationError(
            "no webhook secret is configured for this sender", code=WEBHOOK_NO_SECRET
        )
    msg_id, raw_ts, raw_sig = lowered[ID_HEADER], lowered[TIMESTAMP_HEADER], lowered[SIGNATURE_HEADER]
    # Only the canonical spelling: int() also takes " 17", "+17", "017", "1_7" and non-ASCII digits,
    # which would let anyone alter the signed header without changing what it verifies as.
    if not (raw_ts.isascii() and raw_ts.isdigit()) or (raw_ts.startswith("0") and raw_ts != "0"):
        raise WebhookVerificationError(
            "webhook-timestamp is not a non-negative integer in canonical form",
            code=WEBHOOK_INVALID_TIMESTAMP,
        )
    ts = int(raw_ts)
    current = time.time() if now is None else now
    if ts < current - tolerance:
        raise WebhookVerificationError("webhook timestamp is too old", code=WEBHOOK_TIMESTAMP_TOO_OLD)
    if ts > current + tolerance:
        raise WebhookVerificationError("webhook timestamp is in the future", code=WEBHOOK_TIMESTAMP_TOO_NEW)
    offered = [part.encode() for part in raw_sig.split(" ") if part.startswith("v1,")]
    for secret in secrets:
        expected = signature(secret, msg_id, ts, body).encode()
        # Compare against every offered signature without short-circuiting on content.
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise WebhookVerificationError("webhook signature does not match", code=WEBHOOK_INVALID_SIGNATURE)
