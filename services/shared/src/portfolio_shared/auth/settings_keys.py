"""Token-mode keys from :class:`~portfolio_shared.settings.ServiceSettings`.

- ``SERVICE_SIGNING_KEY``: this workload's own private key; in development, when unset, the
  committed development key of its ``service_name`` (:mod:`portfolio_shared.auth.devkeys`).
- ``SERVICE_CALLER_KEYS_<CALLER>`` (``CORE``, ``SCRAPER``, ``ANALYTICS``, ``DOCUMENTS``,
  ``SCHEDULER``, ``ADMIN``): the public keys accepted from that caller, comma-separated; in
  development, when none is set, every caller's committed development key.

In production nothing defaults and a committed development key is refused wherever it appears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portfolio_shared.auth.devkeys import dev_public_keys, dev_signing_key, is_dev_key
from portfolio_shared.auth.keys import SigningKey, VerifyingKey, load_public_keys

if TYPE_CHECKING:
    from portfolio_shared.settings import ServiceSettings


def signing_key(settings: ServiceSettings) -> SigningKey | None:
    """This workload's private key, or None (production without ``SERVICE_SIGNING_KEY``)."""
    raw = settings.service_signing_key.get_secret_value().strip() if settings.service_signing_key else ""
    if raw:
        return SigningKey.load(raw)
    if settings.is_development:
        try:
            return dev_signing_key(settings.service_name)
        except KeyError:
            return None
    return None


def caller_keys(settings: ServiceSettings) -> dict[str, list[VerifyingKey]]:
    """``{caller: [public keys]}`` accepted by this workload (see the module docstring)."""
    configured = {caller: load_public_keys(raw) for caller, raw in settings.caller_keys_raw().items()}
    if not configured and settings.is_development:
        return dev_public_keys()
    return configured


def key_problems(settings: ServiceSettings) -> list[str]:
    """What is wrong with the configured keys: unreadable anywhere, a development key in production."""
    problems: list[str] = []
    production = settings.environment == "production"
    raw_signing = settings.service_signing_key.get_secret_value() if settings.service_signing_key else ""
    if raw_signing.strip():
        try:
            key = SigningKey.load(raw_signing)
        except ValueError as exc:
            problems.append(f"SERVICE_SIGNING_KEY: {exc}")
        else:
            if production and is_dev_key(key):
                problems.append("SERVICE_SIGNING_KEY is a committed development key")
    for caller, raw in settings.caller_keys_raw().items():
        name = f"SERVICE_CALLER_KEYS_{caller.upper()}"
        try:
            keys = load_public_keys(raw)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if production and any(is_dev_key(key) for key in keys):
            problems.append(f"{name} lists a committed development key")
    return problems
