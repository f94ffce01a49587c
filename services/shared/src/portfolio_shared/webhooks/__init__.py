"""Standard Webhooks signing and verification.

Headers: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
space-separated ``v1,<base64(HMAC-SHA256(secret, id + "." + timestamp + "." + raw_body))>``
entries, one per secret, so a receiver that knows any secret of a rotation list accepts it.
The receiver verifies the raw bytes, with a 5-minute tolerance both ways, by constant-time
compare. Each failure has its own error code (see ``WEBHOOK_*`` below).
"""

from portfolio_shared.webhooks.signing import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    WEBHOOK_INVALID_SIGNATURE,
    WEBHOOK_INVALID_TIMESTAMP,
    WEBHOOK_MISSING_HEADER,
    WEBHOOK_NO_SECRET,
    WEBHOOK_TIMESTAMP_TOO_NEW,
    WEBHOOK_TIMESTAMP_TOO_OLD,
    sign_headers,
    signature,
    verify,
)

__all__ = [
    "ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "WEBHOOK_INVALID_SIGNATURE",
    "WEBHOOK_INVALID_TIMESTAMP",
    "WEBHOOK_MISSING_HEADER",
    "WEBHOOK_NO_SECRET",
    "WEBHOOK_TIMESTAMP_TOO_NEW",
    "WEBHOOK_TIMESTAMP_TOO_OLD",
    "sign_headers",
    "signature",
    "verify",
]
