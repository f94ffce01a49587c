"""Oidc mode against local stand-ins for Google: a certificate endpoint and a metadata server.

Tokens are RS256 JWTs signed with a local RSA key; the certificate endpoint serves the matching
self-signed certificate in google-auth's format (``{kid: PEM}``) from a real HTTP server on a free port.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

from portfolio_shared.auth import (
    CachingRequest,
    GoogleIdTokenProvider,
    OidcAuthenticator,
    ServiceAuthSettings,
    authenticator_from_settings,
    token_provider_from_settings,
    verify_oidc_token,
)
from portfolio_shared.errors import AuthenticationFailed, Forbidden, ServiceUnavailable, UpstreamError
from portfolio_shared.settings import ServiceSettings

AUDIENCE = "https://scraper-abc.a.run.app"
SCHEDULER = "sched@portfolio.iam.gserviceaccount.com"
CALLERS = {SCHEDULER: "scheduler", "core@portfolio.iam.gserviceaccount.com": "core"}


@dataclass
class SigningKey:
    kid: str
    key: rsa.RSAPrivateKey
    cert_pem: str

    @classmethod
    def generate(cls) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-oidc-signer")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        return cls(uuid.uuid4().hex, key, cert.public_bytes(serialization.Encoding.PEM).decode())

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def sign(self, claims: dict[str, Any], *, kid: str | None = None, alg: str = "RS256") -> str:
        return jwt.encode(claims, self.key, algorithm=alg, headers={"kid": kid or self.kid})


def id_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "azp": "1234567890",
        "sub": "1234567890",
        "email": SCHEDULER,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
        **overrides,
    }


@dataclass
class FakeGoogle:
    """What the cert endpoint and the metadata server serve, and what they were asked."""

    keys: list[SigningKey]
    certs_status: int = 200
    certs_format: str = "pem"  # "pem" ({kid: PEM}, oauth2/v1), "jwk" (a JWK set, oauth2/v3) or "garbage"
    max_age: int = 3600
    cert_requests: int = 0
    metadata_requests: list[dict[str, Any]] = field(default_factory=list)
    metadata_status: int = 200
    token_lifetime: int = 3600
    url: str = ""

    @property
    def certs_url(self) -> str:
        return f"{self.url}/oauth2/v1/certs"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/computeMetadata/v1/instance/service-accounts/default/identity"


def make_handler(google: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/oauth2/v1/certs":
                google.cert_requests += 1
                if google.certs_status != 200:
                    self.reply(google.certs_status, b"boom", "text/plain")
                    return
                if google.certs_format == "jwk":
                    body = json.dumps({"keys": [k.jwk() for k in google.keys]}).encode()
                elif google.certs_format == "garbage":
                    body = b"<html>not json</html>"
                else:
                    body = json.dumps({k.kid: k.cert_pem for k in google.keys}).encode()
                self.reply(200, body, "application/json", Cache_Control=f"public, max-age={google.max_age}")
            elif parts.path.endswith("/service-accounts/default/identity"):
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                google.metadata_requests.append(
                    {"query": query, "flavor": self.headers.get("Metadata-Flavor")}
                )
                if self.headers.get("Metadata-Flavor") != "Google":
                    self.reply(403, b"Missing Metadata-Flavor:Google header.", "text/plain")
                    return
                if google.metadata_status != 200:
                    self.reply(google.metadata_status, b"unavailable", "text/plain")
                    return
                claims = id_claims(aud=query["audience"], exp=int(time.time()) + google.token_lifetime)
                if query.get("format") != "full":
                    del claims["email"], claims["email_verified"]
                self.reply(200, google.keys[0].sign(claims).encode(), "text/html")
            elif parts.path == "/not-a-token":
                self.reply(200, b"<html>hello</html>", "text/html")
            else:
                self.reply(404, b"not found", "text/plain")

    return Handler


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def google(signing_key: SigningKey) -> Iterator[FakeGoogle]:
    fake = FakeGoogle(keys=[signing_key])
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_authenticator(google: FakeGoogle, **kwargs: Any) -> OidcAuthenticator:
    return OidcAuthenticator(audience=AUDIENCE, callers=CALLERS, certs_url=google.certs_url, **kwargs)


def rejected(authenticator: OidcAuthenticator, token: str | None) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        authenticator.verify(token)
    assert caught.value.status == 401
    return caught.value.error_code


# --- inbound ----------------------------------------------------------------------------------------


def test_a_google_signed_token_names_its_caller(google: FakeGoogle, signing_key: SigningKey) -> None:
    authenticator = make_authenticator(google)
    principal = authenticator.authenticate(f"Bearer {signing_key.sign(id_claims())}", allowed={"scheduler"})
    assert (principal.caller, principal.mode, principal.claims["email"]) == ("scheduler", "oidc", SCHEDULER)
    with pytest.raises(Forbidden) as caught:
        authenticator.authenticate(f"Bearer {signing_key.sign(id_claims())}", allowed={"core"})
    assert caught.value.error_code == "caller_not_allowed"


def test_certificates_are_fetched_once_not_per_request(google: FakeGoogle, signing_key: SigningKey) -> None:
    authenticator = make_authenticator(google)
    for _ in range(5):
        assert authenticator.verify(signing_key.sign(id_claims())).caller == "scheduler"
    assert google.cert_requests == 1


def test_certificates_are_refetched_after_their_max_age(google: FakeGoogle, signing_key: SigningKey) -> None:
    clock = Clock(1000.0)
    authenticator = make_authenticator(google, request=CachingRequest(clock=clock))
    google.max_age = 120
    authenticator.verify(signing_key.sign(id_claims()))
    clock.now += 119
    authenticator.verify(signing_key.sign(id_claims()))
    assert google.cert_requests == 1
    clock.now += 2
    authenticator.verify(signing_key.sign(id_claims()))
    assert google.cert_requests == 2


def test_a_rotated_key_is_picked_up_but_unknown_kids_cannot_force_refetches(
    google: FakeGoogle, signing_key: SigningKey
) -> None:
    clock = Clock(1000.0)
    authenticator = make_authenticator(google, request=CachingRequest(clock=clock))
    authenticator.verify(signing_key.sign(id_claims()))
    new_key = SigningKey.generate()
    google.keys = [new_key, signing_key]
    # Right after a fetch, a kid we do not know is not worth another download.
    assert rejected(authenticator, new_key.sign(id_claims())) == "token_invalid_signature"
    assert google.cert_requests == 1
    clock.now += 61
    assert authenticator.verify(new_key.sign(id_claims())).caller == "scheduler"
    assert google.cert_requests == 2
    for _ in range(3):
        assert (
            rejected(authenticator, signing_key.sign(id_claims(), kid="made-up")) == "token_invalid_signature"
        )
    assert google.cert_requests == 2


def test_a_signature_by_another_key_under_a_known_kid_fails(
    google: FakeGoogle, signing_key: SigningKey
) -> None:
    impostor = SigningKey.generate()
    token = impostor.sign(id_claims(), kid=signing_key.kid)
    assert rejected(make_authenticator(google), token) == "token_invalid_signature"


def test_tampered_claims_fail_the_signature(google: FakeGoogle, signing_key: SigningKey) -> None:
    header, _, sig = signing_key.sign(id_claims()).split(".")
    other = signing_key.sign(id_claims(email="core@portfolio.iam.gserviceaccount.com")).split(".")[1]
    assert rejected(make_authenticator(google), f"{header}.{other}.{sig}") == "token_invalid_signature"


def test_wrong_audience(google: FakeGoogle, signing_key: SigningKey) -> None:
    token = signing_key.sign(id_claims(aud="https://documents-abc.a.run.app"))
    assert rejected(make_authenticator(google), token) == "token_wrong_audience"


def test_expired(google: FakeGoogle, signing_key: SigningKey) -> None:
    now = int(time.time())
    token = signing_key.sign(id_claims(iat=now - 7200, exp=now - 3600))
    assert rejected(make_authenticator(google), token) == "token_expired"


def test_issued_in_the_future(google: FakeGoogle, signing_key: SigningKey) -> None:
    now = int(time.time())
    token = signing_key.sign(id_claims(iat=now + 600, exp=now + 1200))
    assert rejected(make_authenticator(google), token) == "token_not_yet_valid"


def test_an_expiry_beyond_an_hour_is_refused(google: FakeGoogle, signing_key: SigningKey) -> None:
    token = signing_key.sign(id_claims(exp=int(time.time()) + 2 * 3600))
    assert rejected(make_authenticator(google), token) == "token_expiry_too_far"


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "stranger@elsewhere.iam.gserviceaccount.com"},
        {"email_verified": False},
        {"email": None},
        {"iss": "https://evil.example"},
    ],
)
def test_unknown_callers(google: FakeGoogle, signing_key: SigningKey, overrides: dict[str, Any]) -> None:
    claims = {k: v for k, v in id_claims(**overrides).items() if v is not None}
    assert rejected(make_authenticator(google), signing_key.sign(claims)) == "token_unknown_issuer"


def test_emails_match_case_insensitively(google: FakeGoogle, signing_key: SigningKey) -> None:
    token = signing_key.sign(id_claims(email=SCHEDULER.upper()))
    assert make_authenticator(google).verify(token).caller == "scheduler"


def test_algorithms_other_than_rs256_are_refused(google: FakeGoogle) -> None:
    hs = jwt.encode(id_claims(), "a-shared-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    assert rejected(make_authenticator(google), hs) == "token_invalid_algorithm"
    unsigned = jwt.encode(id_claims(), None, algorithm="none")
    assert rejected(make_authenticator(google), unsigned) == "token_invalid_algorithm"
    assert google.cert_requests == 0


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b.c"])
def test_missing_and_malformed(google: FakeGoogle, token: str | None) -> None:
    assert rejected(make_authenticator(google), token) in (
        {"token_missing"} if not token else {"token_malformed"}
    )


@pytest.mark.parametrize("status", [500, 404])
def test_unreachable_certificates_answer_503_not_401(
    google: FakeGoogle, signing_key: SigningKey, status: int
) -> None:
    google.certs_status = status
    with pytest.raises(ServiceUnavailable) as caught:
        make_authenticator(google).verify(signing_key.sign(id_claims()))
    assert (caught.value.status, caught.value.error_code) == (503, "oidc_certs_unavailable")
    assert caught.value.headers["Retry-After"] == "5"


def test_a_failed_certificate_fetch_is_not_cached(google: FakeGoogle, signing_key: SigningKey) -> None:
    authenticator = make_authenticator(google)
    google.certs_status = 500
    with pytest.raises(ServiceUnavailable):
        authenticator.verify(signing_key.sign(id_claims()))
    google.certs_status = 200
    assert authenticator.verify(signing_key.sign(id_claims())).caller == "scheduler"


def test_a_certificate_answer_that_is_not_json_answers_503_and_is_not_kept(
    google: FakeGoogle, signing_key: SigningKey
) -> None:
    authenticator = make_authenticator(google)
    google.certs_format = "garbage"
    with pytest.raises(ServiceUnavailable):
        authenticator.verify(signing_key.sign(id_claims()))
    google.certs_format = "pem"
    assert authenticator.verify(signing_key.sign(id_claims())).caller == "scheduler"


def test_a_jwk_set_certificate_endpoint_works_too(google: FakeGoogle, signing_key: SigningKey) -> None:
    google.certs_format = "jwk"
    authenticator = make_authenticator(google)
    assert authenticator.verify(signing_key.sign(id_claims())).caller == "scheduler"
    impostor = SigningKey.generate()
    assert (
        rejected(authenticator, impostor.sign(id_claims(), kid=signing_key.kid)) == "token_invalid_signature"
    )
    assert rejected(authenticator, impostor.sign(id_claims())) == "token_invalid_signature"
    assert google.cert_requests == 1


def test_a_closed_certificate_port_answers_503(signing_key: SigningKey) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_url = f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.server_close()
    with pytest.raises(ServiceUnavailable):
        verify_oidc_token(
            signing_key.sign(id_claims()),
            audience=AUDIENCE,
            callers=CALLERS,
            request=CachingRequest(timeout=2),
            certs_url=closed_url,
        )


def test_oidc_mode_from_settings(google: FakeGoogle, signing_key: SigningKey) -> None:
    settings = ServiceSettings.model_validate(
        {
            "service_name": "scraper",
            "SERVICE_AUTH_MODE": "oidc",
            "SCRAPER_URL": AUDIENCE + "/",
            "OIDC_CERTS_URL": google.certs_url,
        }
    )
    auth = ServiceAuthSettings.model_validate({"OIDC_CALLERS": f"scheduler={SCHEDULER}"})
    authenticator = authenticator_from_settings(settings, auth)
    assert authenticator.authenticate(f"Bearer {signing_key.sign(id_claims())}").caller == "scheduler"


# --- outbound: the metadata server -------------------------------------------------------------------


def test_the_metadata_provider_fetches_a_full_format_token_with_the_flavor_header(google: FakeGoogle) -> None:
    provider = GoogleIdTokenProvider(google.metadata_url)
    token = provider.get_token(AUDIENCE)
    assert google.metadata_requests == [
        {"query": {"audience": AUDIENCE, "format": "full"}, "flavor": "Google"}
    ]
    # What the metadata server hands out is what the receiving side accepts.
    assert make_authenticator(google).verify(token).caller == "scheduler"


def test_the_metadata_provider_caches_per_audience_until_near_expiry(google: FakeGoogle) -> None:
    clock = Clock(time.time())
    provider = GoogleIdTokenProvider(google.metadata_url, clock=clock)
    first = provider.get_token(AUDIENCE)
    assert provider.get_token(AUDIENCE) == first
    provider.get_token("https://documents-abc.a.run.app")
    assert len(google.metadata_requests) == 2
    exp = jwt.decode(first, options={"verify_signature": False})["exp"]
    clock.now = exp - 61
    assert provider.get_token(AUDIENCE) == first
    assert len(google.metadata_requests) == 2
    clock.now = exp - 59
    provider.get_token(AUDIENCE)
    assert len(google.metadata_requests) == 3


async def test_the_metadata_provider_async(google: FakeGoogle) -> None:
    provider = GoogleIdTokenProvider(google.metadata_url)
    token = await provider.aget_token(AUDIENCE)
    assert await provider.aget_token(AUDIENCE) == token
    assert provider.get_token(AUDIENCE) == token
    assert len(google.metadata_requests) == 1


@pytest.mark.parametrize("status", [500, 404])
def test_a_failing_metadata_server_is_an_upstream_error(google: FakeGoogle, status: int) -> None:
    google.metadata_status = status
    with pytest.raises(UpstreamError) as caught:
        GoogleIdTokenProvider(google.metadata_url).get_token(AUDIENCE)
    assert (caught.value.status, caught.value.error_code) == (502, "token_provider_failed")
    assert caught.value.details == {"status": status}


async def test_an_unreachable_metadata_server_is_an_upstream_error() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_url = f"http://127.0.0.1:{server.server_address[1]}/identity"
    server.server_close()
    provider = GoogleIdTokenProvider(closed_url, timeout=2)
    with pytest.raises(UpstreamError) as caught:
        provider.get_token(AUDIENCE)
    assert caught.value.error_code == "token_provider_failed"
    with pytest.raises(UpstreamError):
        await provider.aget_token(AUDIENCE)


def test_a_metadata_answer_that_is_not_a_token_is_an_upstream_error(google: FakeGoogle) -> None:
    provider = GoogleIdTokenProvider(google.url + "/not-a-token")
    with pytest.raises(UpstreamError, match="no usable ID token"):
        provider.get_token(AUDIENCE)


def test_token_provider_from_settings_uses_the_metadata_url(google: FakeGoogle) -> None:
    settings = ServiceSettings.model_validate({"service_name": "core", "SERVICE_AUTH_MODE": "oidc"})
    auth = ServiceAuthSettings.model_validate(
        {"OIDC_CALLERS": f"scheduler={SCHEDULER}", "OIDC_METADATA_URL": google.metadata_url}
    )
    provider = token_provider_from_settings(settings, auth)
    token = provider.get_token(AUDIENCE)
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == AUDIENCE
