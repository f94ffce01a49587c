"""Token-mode keys: each caller signs with its own private key, targets hold the callers' public keys.

Two algorithms: Ed25519 (JWS ``EdDSA``, the default) and ECDSA P-256 (``ES256``). A key is written
as PEM (PKCS#8 for a private key, SubjectPublicKeyInfo for a public one, what ``openssl genpkey``
and ``openssl pkey -pubout`` print) or as the base64 body of that PEM on one line, which fits an
environment variable. Neither form contains a comma, so a setting may list several keys
(comma-separated) for rotation.

Every key's id (``kid``) is its RFC 7638 JWK thumbprint (SHA-256, base64url): it is derived from the
key itself, so a signer and a verifier agree on it without configuration, and a verifier holding
several keys of one caller picks the right one at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

Algorithm = Literal["EdDSA", "ES256"]
#: The JWS algorithms token mode signs and accepts.
ALGORITHMS: tuple[Algorithm, ...] = ("EdDSA", "ES256")

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

_PEM_ARMOUR = re.compile(r"-----(BEGIN|END) [A-Z ]+-----")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _der(text: str) -> bytes:
    body = "".join(_PEM_ARMOUR.sub("", text).split())
    try:
        return base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise ValueError("a key must be PEM or the base64 body of a PEM") from exc


def _algorithm(key: PrivateKey | PublicKey) -> Algorithm:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError(f"unsupported curve {key.curve.name}: service keys are Ed25519 or P-256")


def _thumbprint(public: PublicKey) -> str:
    """RFC 7638: SHA-256 of the canonical JWK (required members, sorted, no whitespace)."""
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    else:
        numbers = public.public_numbers()
        jwk = {
            "crv": "P-256",
            "kty": "EC",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
    return _b64url(hashlib.sha256(canonical).digest())


K = TypeVar("K", bound=PrivateKey | PublicKey)


@dataclass(frozen=True, slots=True)
class _IdentifiedKey(Generic[K]):
    """A key with its JWS algorithm and its id (the thumbprint of its public half)."""

    key: K = field(repr=False)
    algorithm: Algorithm
    kid: str


class VerifyingKey(_IdentifiedKey[PublicKey]):
    """A caller's public key with its algorithm and key id."""

    __slots__ = ()

    @classmethod
    def from_public(cls, key: PublicKey) -> VerifyingKey:
        return cls(key=key, algorithm=_algorithm(key), kid=_thumbprint(key))

    @classmethod
    def load(cls, text: str) -> VerifyingKey:
        """A public key from PEM or its one-line base64 body; ``ValueError`` for anything else."""
        try:
            key = serialization.load_der_public_key(_der(text))
        except ValueError as exc:
            raise ValueError("not a public key (SubjectPublicKeyInfo PEM or its base64 body)") from exc
        if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
            raise ValueError("service keys are Ed25519 or P-256")
        return cls.from_public(key)

    def text(self) -> str:
        """The one-line form (base64 of the DER SubjectPublicKeyInfo)."""
        der = self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")


class SigningKey(_IdentifiedKey[PrivateKey]):
    """A workload's own private key with its algorithm and key id (that of its public key)."""

    __slots__ = ()

    @classmethod
    def from_private(cls, key: PrivateKey) -> SigningKey:
        return cls(key=key, algorithm=_algorithm(key), kid=_thumbprint(key.public_key()))

    @classmethod
    def generate(cls, algorithm: Algorithm = "EdDSA") -> SigningKey:
        """A new random key (Ed25519 for ``EdDSA``, P-256 for ``ES256``)."""
        if algorithm == "EdDSA":
            return cls.from_private(ed25519.Ed25519PrivateKey.generate())
        return cls.from_private(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def load(cls, text: str) -> SigningKey:
        """A private key from PKCS#8 PEM or its one-line base64 body; ``ValueError`` for anything else."""
        try:
            key = serialization.load_der_private_key(_der(text), password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError("not an unencrypted PKCS#8 private key (PEM or its base64 body)") from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("service keys are Ed25519 or P-256")
        return cls.from_private(key)

    def public(self) -> VerifyingKey:
        """The matching public key."""
        return VerifyingKey.from_public(self.key.public_key())

    def text(self) -> str:
        """The one-line form (base64 of the DER PKCS#8): what ``SERVICE_SIGNING_KEY`` holds."""
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return base64.b64encode(der).decode("ascii")

    def pem(self) -> str:
        """PKCS#8 PEM, as a key file holds it."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")


def split_keys(raw: str | None) -> list[str]:
    """The keys of a comma-separated setting, blanks dropped."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def load_public_keys(raw: str | None) -> list[VerifyingKey]:
    """Every public key of a comma-separated ``SERVICE_CALLER_KEYS_<CALLER>`` value."""
    return [VerifyingKey.load(text) for text in split_keys(raw)]
