"""The committed development keys: one per caller, so a fresh checkout runs with no setup.

Everybody who can read this repository holds these private keys, so they are worth nothing:
outside development and tests :class:`~portfolio_shared.settings.ServiceSettings` refuses any of
them, as a signing key or among a caller's accepted public keys (:func:`is_dev_key`). `make run`
and the system tests generate keys of their own; these are what a process started by hand falls
back to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from portfolio_shared.auth.keys import SigningKey, VerifyingKey
from portfolio_shared.auth.principal import KNOWN_CALLERS

# Ed25519, PKCS#8 base64. Refused in production (see the module docstring).
_DEV_PRIVATE_KEYS = {
    "core": "MC4CAQAwBQYDK2VwBCIEIJQ1mDIo8PeuovD4pe6FmcWW9StNtIBdDwnh9O02MEtq",
    "scraper": "MC4CAQAwBQYDK2VwBCIEIFN8jmmyJicrYTJ9nFSX0F4uT5xJTbh5+bHm+7hQLDfK",
    "analytics": "MC4CAQAwBQYDK2VwBCIEIGbtfSNmZofSYJU7ZhByEdsY6fzVUEFC/KvM3fa2BBzO",
    "documents": "MC4CAQAwBQYDK2VwBCIEIJ66eZ9KeM2hY5Uybco1eAFsoQ3uaBrw0HLHoDt6fu1I",
    "scheduler": "MC4CAQAwBQYDK2VwBCIEIIduA6V0qm70LUkYkx8Ek7Cwg+Lt3xzaWAQN/eyy6wvv",
    "admin": "MC4CAQAwBQYDK2VwBCIEIMdmKVMG97fzL7cbk88mPfwp3RBVLO0x973M5YbICosX",
}


@cache
def dev_signing_key(caller: str) -> SigningKey:
    """The committed development private key of ``caller`` (``KeyError`` for an unknown name)."""
    return SigningKey.load(_DEV_PRIVATE_KEYS[caller])


def dev_public_keys() -> dict[str, list[VerifyingKey]]:
    """Every caller's committed development public key, as a target accepts them in development."""
    return {caller: [dev_signing_key(caller).public()] for caller in _DEV_PRIVATE_KEYS}


@cache
def _dev_kids() -> frozenset[str]:
    return frozenset(dev_signing_key(caller).kid for caller in _DEV_PRIVATE_KEYS)


def is_dev_key(key: SigningKey | VerifyingKey) -> bool:
    """True when ``key`` (private or public) is one of the committed development keys."""
    return key.kid in _dev_kids()


def generate_keyring(callers: Iterable[str] = KNOWN_CALLERS) -> dict[str, SigningKey]:
    """A fresh private key for each of ``callers``: what tests and `make run` use instead of the
    committed keys."""
    return {caller: SigningKey.generate() for caller in sorted(callers)}


def public_keys(keyring: Mapping[str, SigningKey]) -> dict[str, list[VerifyingKey]]:
    """``{caller: [its public key]}`` of a keyring, as a target holds them."""
    return {caller: [key.public()] for caller, key in keyring.items()}


def workload_env(
    keyring: Mapping[str, SigningKey], *, signs_as: str | None, accepts: Iterable[str]
) -> dict[str, str]:
    """The token-mode variables of one workload: its own private key (when it calls services) and
    the public keys of the callers it accepts."""
    env = {f"SERVICE_CALLER_KEYS_{caller.upper()}": keyring[caller].public().text() for caller in accepts}
    if signs_as is not None:
        env["SERVICE_SIGNING_KEY"] = keyring[signs_as].text()
    return env
