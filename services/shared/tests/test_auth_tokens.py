"""Token mode: service tokens signed with each caller's own key, every rejection with its code,
the outbound provider, settings and key rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from portfolio_shared.auth import (
    KNOWN_CALLERS,
    BearerAuth,
    GoogleIdTokenProvider,
    OidcAuthenticator,
    ServiceAuthSettings,
    ServicePrincipal,
    SignedTokenProvider,
    SigningKey,
    TokenAuthenticator,
    TokenProvider,
    VerifyingKey,
    audience_for,
    authenticator_from_settings,
    bearer_token,
    dev_signing_key,
    issue_token,
    token_provider_from_settings,
    verify_token,
)
from portfolio_shared.errors import AuthenticationFailed, Forbidden
from portfolio_shared.settings import ServiceSettings

#: Keys these tests generate for themselves: one per caller, Ed25519 except the scheduler's P-256.
PRIVATE = {name: SigningKey.generate("ES256" if name == "scheduler" else "EdDSA") for name in KNOWN_CALLERS}
KEYS = {name: [key.public()] for name, key in PRIVATE.items()}
CORE = PRIVATE["core"]
NOW = 1_800_000_000


def rejection(token: str | None, *, now: float = NOW, **overrides: Any) -> AuthenticationFailed:
    kwargs: dict[str, Any] = {"audience": "scraper", "keys": KEYS, "allowed_issuers": KNOWN_CALLERS}
    kwargs.update(overrides)
    with pytest.raises(AuthenticationFailed) as caught:
        verify_token(token, now=now, **kwargs)
    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Bearer")
    return caught.value


def forge(claims: dict[str, Any], *, key: SigningKey = CORE, headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, key.key, algorithm=key.algorithm, headers={"kid": key.kid, **(headers or {})})


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def signed_raw(header: str, payload: str) -> str:
    signature = CORE.key.sign(f"{header}.{payload}".encode())  # type: ignore[call-arg]
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def claims(**overrides: Any) -> dict[str, Any]:
    return {"iss": "core", "aud": "scraper", "iat": NOW, "exp": NOW + 300, **overrides}


# --- round trip ---------------------------------------------------------------------------------


@given(
    issuer=st.sampled_from(sorted(KNOWN_CALLERS)),
    audience=st.sampled_from(["core", "scraper", "analytics", "documents"]),
    ttl=st.integers(min_value=1, max_value=300),
    elapsed=st.integers(min_value=0, max_value=300),
)
def test_an_issued_token_verifies_for_its_lifetime(
    issuer: str, audience: str, ttl: int, elapsed: int
) -> None:
    token = issue_token(issuer=issuer, audience=audience, key=PRIVATE[issuer], ttl=ttl, now=NOW)
    principal = verify_token(
        token,
        audience=audience,
        keys=KEYS,
        allowed_issuers=KNOWN_CALLERS,
        leeway=0,
        now=NOW + min(elapsed, ttl - 1),
    )
    assert principal == ServicePrincipal(
        caller=issuer, claims={"iss": issuer, "aud": audience, "iat": NOW, "exp": NOW + ttl}, mode="token"
    )


def test_the_token_carries_exactly_iss_aud_iat_exp_and_the_key_id() -> None:
    token = issue_token(issuer="core", audience="scraper", key=CORE, ttl=120, now=NOW)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": CORE.kid}
    assert jwt.decode(token, options={"verify_signature": False}) == claims(exp=NOW + 120)
    es256 = issue_token(issuer="scheduler", audience="scraper", key=PRIVATE["scheduler"], now=NOW)
    assert jwt.get_unverified_header(es256)["alg"] == "ES256"


def test_a_key_loads_from_pem_or_its_one_line_body_and_keeps_its_id() -> None:
    for algorithm in ("EdDSA", "ES256"):
        key = SigningKey.generate(algorithm)  # type: ignore[arg-type]
        assert SigningKey.load(key.pem()).kid == SigningKey.load(key.text()).kid == key.kid
        assert VerifyingKey.load(key.public().text()).kid == key.kid
        assert "," not in key.text() + key.public().text()
    with pytest.raises(ValueError, match="PKCS#8"):
        SigningKey.load(CORE.public().text())
    with pytest.raises(ValueError, match="public key"):
        VerifyingKey.load("bm90IGEga2V5")


@pytest.mark.parametrize("ttl", [301, 3600, 0, -5])
def test_a_ttl_outside_1_to_300_seconds_is_refused(ttl: int) -> None:
    with pytest.raises(ValueError, match="ttl"):
        issue_token(issuer="core", audience="scraper", key=CORE, ttl=ttl)


@pytest.mark.parametrize("missing", ["issuer", "audience"])
def test_issuing_needs_issuer_and_audience(missing: str) -> None:
    kwargs: dict[str, Any] = {"issuer": "core", "audience": "scraper", "key": CORE, missing: ""}
    with pytest.raises(ValueError, match="required"):
        issue_token(**kwargs)


def test_allowed_issuers_none_accepts_any_caller_with_a_key() -> None:
    newcomer = SigningKey.generate()
    token = forge(claims(iss="a-new-service"), key=newcomer)
    keys = {**KEYS, "a-new-service": [newcomer.public()]}
    assert verify_token(token, audience="scraper", keys=keys, allowed_issuers=None, now=NOW).caller == (
        "a-new-service"
    )


# --- every rejection, each with its code ----------------------------------------------------------


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token(token: str | None) -> None:
    assert rejection(token).error_code == "token_missing"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        signed_raw(b64({"alg": "EdDSA"}), "WzFd"),  # a correctly signed payload that is a list
        signed_raw(b64({"alg": "EdDSA"}), "bm90IGpzb24"),  # ... that is not JSON
        f"{b64({'alg': 'EdDSA', 'typ': 'JWT'})}.not-base64-json!.c2ln",
    ],
)
def test_malformed_token(token: str) -> None:
    assert rejection(token).error_code == "token_malformed"


@pytest.mark.parametrize("claim", ["iat", "exp", "iss"])
def test_a_token_without_a_required_claim_is_malformed(claim: str) -> None:
    body = claims()
    del body[claim]
    error = rejection(forge(body))
    assert error.error_code == "token_malformed"
    assert error.details == {"claim": claim}


@pytest.mark.parametrize("value", ["1800000300", None, True, [NOW]])
def test_a_non_numeric_exp_is_malformed(value: Any) -> None:
    assert rejection(forge(claims(exp=value))).error_code == "token_malformed"


def test_bad_signature() -> None:
    token = forge(claims(), key=SigningKey.generate())
    assert rejection(token).error_code == "token_invalid_signature"


def test_tampered_payload_fails_the_signature() -> None:
    header, _, sig = forge(claims()).split(".")
    tampered = f"{header}.{b64(claims(iss='admin'))}.{sig}"
    assert rejection(tampered).error_code == "token_invalid_signature"


@pytest.mark.parametrize("impersonated", sorted(KNOWN_CALLERS - {"core"}))
def test_a_caller_cannot_mint_a_token_in_another_callers_name(impersonated: str) -> None:
    # Core's key with core's key id, or with the impersonated caller's key id: both refused.
    as_other = forge(claims(iss=impersonated))
    with_their_kid = forge(claims(iss=impersonated), headers={"kid": PRIVATE[impersonated].kid})
    for token in (as_other, with_their_kid):
        assert rejection(token).error_code == "token_invalid_signature"


def test_an_hs256_token_keyed_with_a_public_key_is_refused() -> None:
    # The classic key confusion: HMAC "signed" with the verifier's public key bytes.
    header, payload = b64({"alg": "HS256", "typ": "JWT"}), b64(claims())
    mac = hmac.new(CORE.public().text().encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert rejection(token).error_code == "token_invalid_algorithm"


def test_alg_none_is_refused() -> None:
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."
    error = rejection(unsigned)
    assert error.error_code == "token_invalid_algorithm"
    assert error.details == {"alg": "none"}


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_algorithms_are_refused(alg: str) -> None:
    token = jwt.encode(claims(), "a-shared-secret-long-enough-for-every-hash-" + "x" * 40, algorithm=alg)
    assert rejection(token).error_code == "token_invalid_algorithm"


def test_rs256_is_refused() -> None:
    token = f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims())}.c2ln"
    assert rejection(token).error_code == "token_invalid_algorithm"


def test_a_key_of_the_other_algorithm_is_never_tried() -> None:
    # An ES256 header over core's Ed25519 key: core holds no ES256 key, so nothing can verify.
    header = b64({"alg": "ES256", "typ": "JWT", "kid": CORE.kid})
    assert rejection(signed_raw(header, b64(claims()))).error_code == "token_invalid_signature"


def test_expired() -> None:
    token = issue_token(issuer="core", audience="scraper", key=CORE, ttl=60, now=NOW)
    assert rejection(token, now=NOW + 60 + 31).error_code == "token_expired"


def test_leeway_tolerates_small_clock_skew_only() -> None:
    token = issue_token(issuer="core", audience="scraper", key=CORE, ttl=60, now=NOW)
    ok = verify_token(token, audience="scraper", keys=KEYS, allowed_issuers=None, leeway=30, now=NOW + 89)
    assert ok.caller == "core"
    assert rejection(token, now=NOW + 89, leeway=0).error_code == "token_expired"


def test_issued_in_the_future() -> None:
    token = issue_token(issuer="core", audience="scraper", key=CORE, now=NOW + 120)
    assert rejection(token, now=NOW).error_code == "token_not_yet_valid"


def test_an_expiry_beyond_five_minutes_is_refused_even_when_signed() -> None:
    assert rejection(forge(claims(exp=NOW + 3600))).error_code == "token_expiry_too_far"
    # 5 min + the leeway is still fine: that is what a slightly fast clock on the caller produces.
    assert verify_token(
        forge(claims(exp=NOW + 330)), audience="scraper", keys=KEYS, allowed_issuers=None, now=NOW
    ).caller == ("core")
    assert rejection(forge(claims(exp=NOW + 331))).error_code == "token_expiry_too_far"


@pytest.mark.parametrize("aud", ["core", "SCRAPER", "", ["scraper"], None])
def test_wrong_audience(aud: Any) -> None:
    body = claims(aud=aud)
    if aud is None:
        del body["aud"]
    assert rejection(forge(body)).error_code == "token_wrong_audience"


@pytest.mark.parametrize("issuer", ["stranger", "Core", "core "])
def test_unknown_issuer(issuer: str) -> None:
    keys = {**KEYS, issuer.lower().strip() + "-not": KEYS["core"]}
    error = rejection(forge(claims(iss=issuer)), keys=keys)
    assert error.error_code == "token_unknown_issuer"
    assert error.details == {"issuer": issuer}


def test_an_issuer_known_elsewhere_but_not_listed_here_is_unknown() -> None:
    token = issue_token(issuer="admin", audience="scraper", key=PRIVATE["admin"], now=NOW)
    assert rejection(token, allowed_issuers={"core", "scheduler"}).error_code == "token_unknown_issuer"


# --- the Authorization header and the authenticator -----------------------------------------------


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "token_missing"),
        ("", "token_missing"),
        ("  ", "token_missing"),
        ("Bearer", "token_missing"),
        ("Bearer   ", "token_missing"),
        ("Basic dXNlcjpwYXNz", "token_malformed"),
        ("Token abc", "token_malformed"),
    ],
)
def test_authorization_header_problems(header: str | None, code: str) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        bearer_token(header)
    assert caught.value.error_code == code


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(scheme: str) -> None:
    assert bearer_token(f"{scheme} abc.def.ghi") == "abc.def.ghi"


def test_authenticate_returns_the_caller_and_enforces_allowed() -> None:
    authenticator = TokenAuthenticator(audience="scraper", keys=KEYS)
    token = issue_token(issuer="scheduler", audience="scraper", key=PRIVATE["scheduler"])
    principal = authenticator.authenticate(f"Bearer {token}", allowed={"core", "scheduler"})
    assert principal.caller == "scheduler"
    assert authenticator.authenticate(f"Bearer {token}").caller == "scheduler"
    with pytest.raises(Forbidden) as caught:
        authenticator.authenticate(f"Bearer {token}", allowed={"core"})
    assert (caught.value.status, caught.value.error_code) == (403, "caller_not_allowed")
    assert caught.value.details == {"caller": "scheduler", "allowed": ["core"]}


def test_authenticate_checks_the_token_before_the_allow_list() -> None:
    authenticator = TokenAuthenticator(audience="scraper", keys=KEYS)
    forged = forge(claims(iss="core"), key=SigningKey.generate())
    with pytest.raises(AuthenticationFailed) as caught:
        authenticator.authenticate(f"Bearer {forged}", allowed={"scheduler"})
    assert caught.value.error_code == "token_invalid_signature"


# --- outbound: the signing provider -------------------------------------------------------------------


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_signed_provider_reuses_a_token_until_a_minute_before_expiry() -> None:
    clock = Clock(NOW)
    provider = SignedTokenProvider("core", CORE, clock=clock)
    assert isinstance(provider, TokenProvider)
    first = provider.get_token("scraper")
    clock.now = NOW + 239
    assert provider.get_token("scraper") == first
    clock.now = NOW + 240
    second = provider.get_token("scraper")
    assert second != first
    assert (
        verify_token(second, audience="scraper", keys=KEYS, allowed_issuers=None, now=clock.now).caller
        == "core"
    )


def test_signed_provider_keeps_one_token_per_audience() -> None:
    provider = SignedTokenProvider("core", CORE, clock=Clock(NOW))
    to_scraper, to_documents = provider.get_token("scraper"), provider.get_token("documents")
    assert jwt.decode(to_scraper, options={"verify_signature": False})["aud"] == "scraper"
    assert jwt.decode(to_documents, options={"verify_signature": False})["aud"] == "documents"
    assert provider.get_token("scraper") == to_scraper


async def test_signed_provider_async_shares_the_cache() -> None:
    provider = SignedTokenProvider("core", CORE, clock=Clock(NOW))
    assert await provider.aget_token("scraper") == provider.get_token("scraper")


def test_signed_provider_refuses_a_long_ttl() -> None:
    with pytest.raises(ValueError, match="ttl"):
        SignedTokenProvider("core", CORE, ttl=600)


def test_a_short_ttl_still_caches() -> None:
    clock = Clock(NOW)
    provider = SignedTokenProvider("core", CORE, ttl=30, clock=clock)
    first = provider.get_token("scraper")
    clock.now = NOW + 5
    assert provider.get_token("scraper") == first


def recording_transport(seen: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(204)

    return httpx.MockTransport(handler)


def test_bearer_auth_puts_the_token_on_each_request() -> None:
    seen: list[str] = []
    auth = BearerAuth(SignedTokenProvider("core", CORE), "scraper")
    with httpx.Client(transport=recording_transport(seen), auth=auth) as client:
        client.get("http://scraper.test/scrape/status")
        client.get("http://scraper.test/scrape/history")
    authenticator = TokenAuthenticator(audience="scraper", keys=KEYS)
    assert [authenticator.authenticate(h).caller for h in seen] == ["core", "core"]


async def test_bearer_auth_in_an_async_client() -> None:
    seen: list[str] = []
    auth = BearerAuth(SignedTokenProvider("scheduler", PRIVATE["scheduler"]), "scraper")
    async with httpx.AsyncClient(transport=recording_transport(seen), auth=auth) as client:
        await client.post("http://scraper.test/scrape", json={"source": "all"})
    authenticator = TokenAuthenticator(audience="scraper", keys=KEYS)
    assert authenticator.authenticate(seen[0], allowed={"scheduler"}).caller == "scheduler"


# --- settings -------------------------------------------------------------------------------------


def caller_keys_env(*callers: str) -> dict[str, str]:
    return {f"SERVICE_CALLER_KEYS_{c.upper()}": KEYS[c][0].text() for c in callers}


def settings(**env: Any) -> ServiceSettings:
    values = {"service_name": "scraper", **caller_keys_env("core", "scheduler"), **env}
    return ServiceSettings.model_validate(values)


def test_token_mode_from_settings_round_trips() -> None:
    scraper = settings()
    core = settings(service_name="core", SERVICE_SIGNING_KEY=SecretStr(CORE.text()))
    provider = token_provider_from_settings(core)
    assert isinstance(provider, SignedTokenProvider)
    token = provider.get_token(audience_for(core, "scraper"))
    assert authenticator_from_settings(scraper).authenticate(f"Bearer {token}").caller == "core"
    # A token for another service is refused here.
    other = provider.get_token(audience_for(core, "documents"))
    with pytest.raises(AuthenticationFailed) as caught:
        authenticator_from_settings(scraper).authenticate(f"Bearer {other}")
    assert caught.value.error_code == "token_wrong_audience"
    # A caller this workload holds no key for is unknown, whoever signed.
    admin = issue_token(issuer="admin", audience="scraper", key=PRIVATE["admin"])
    with pytest.raises(AuthenticationFailed) as caught:
        authenticator_from_settings(scraper).authenticate(f"Bearer {admin}")
    assert caught.value.error_code == "token_unknown_issuer"


def test_development_falls_back_to_the_committed_keys_production_has_no_default() -> None:
    dev = ServiceSettings.model_validate({"service_name": "core"})
    token = token_provider_from_settings(dev).get_token("scraper")
    assert authenticator_from_settings(dev.model_copy(update={"service_name": "scraper"})).verify(token)
    assert jwt.get_unverified_header(token)["kid"] == dev_signing_key("core").kid
    prod = ServiceSettings.model_validate({"service_name": "core", "ENVIRONMENT": "production"})
    with pytest.raises(ValueError, match="SERVICE_SIGNING_KEY is required"):
        token_provider_from_settings(prod)
    with pytest.raises(ValueError, match="SERVICE_CALLER_KEYS"):
        authenticator_from_settings(prod)


@pytest.mark.parametrize(
    "env",
    [
        {"SERVICE_SIGNING_KEY": SecretStr(dev_signing_key("scraper").text())},
        {"SERVICE_SIGNING_KEY": SecretStr(dev_signing_key("scraper").pem())},
        {"SERVICE_CALLER_KEYS_CORE": f"{KEYS['core'][0].text()},{dev_signing_key('core').public().text()}"},
        {"SERVICE_CALLER_KEYS_ADMIN": dev_signing_key("admin").public().text()},
    ],
    ids=["signing-key", "signing-key-pem", "dev-key-in-a-rotation-list", "dev-admin-key"],
)
def test_production_refuses_the_committed_development_keys(env: dict[str, Any]) -> None:
    # PlaceholderSecretError, as the ValueError pydantic wraps it in.
    with pytest.raises(ValueError, match="committed development key"):
        settings(ENVIRONMENT="production", **env)
    settings(**env)  # development takes them


def test_production_accepts_keys_of_its_own() -> None:
    prod = settings(ENVIRONMENT="production", SERVICE_SIGNING_KEY=SecretStr(PRIVATE["scraper"].pem()))
    assert isinstance(authenticator_from_settings(prod), TokenAuthenticator)
    assert isinstance(token_provider_from_settings(prod), SignedTokenProvider)


@pytest.mark.parametrize(
    "env",
    [{"SERVICE_SIGNING_KEY": SecretStr("not-a-key")}, {"SERVICE_CALLER_KEYS_CORE": "bm90IGEga2V5"}],
)
def test_an_unreadable_key_fails_at_start_in_any_environment(env: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="refusing to start: SERVICE_"):
        settings(**env)


def test_audience_for_depends_on_the_mode() -> None:
    assert audience_for(settings(), "documents") == "documents"
    oidc = settings(SERVICE_AUTH_MODE="oidc", DOCUMENTS_URL="https://documents-abc.a.run.app/")
    assert audience_for(oidc, "documents") == "https://documents-abc.a.run.app"
    with pytest.raises(ValueError, match="unknown target"):
        audience_for(oidc, "scheduler")


def test_oidc_mode_from_settings() -> None:
    auth = ServiceAuthSettings.model_validate(
        {
            "OIDC_CALLERS": "scheduler=Sched@p.iam.gserviceaccount.com, core=core@p.iam.gserviceaccount.com",
            "OIDC_METADATA_URL": "http://127.0.0.1:9/identity",
        }
    )
    assert auth.oidc_callers == {
        "sched@p.iam.gserviceaccount.com": "scheduler",
        "core@p.iam.gserviceaccount.com": "core",
    }
    oidc = settings(
        SERVICE_AUTH_MODE="oidc",
        SCRAPER_URL="https://scraper-xyz.a.run.app",
        OIDC_CERTS_URL="http://127.0.0.1:9/c",
    )
    authenticator = authenticator_from_settings(oidc, auth)
    assert isinstance(authenticator, OidcAuthenticator)
    assert (authenticator.audience, authenticator.certs_url) == (
        "https://scraper-xyz.a.run.app",
        "http://127.0.0.1:9/c",
    )
    explicit = settings(SERVICE_AUTH_MODE="oidc", SERVICE_AUDIENCE="https://scraper.example.org")
    explicit_authenticator = authenticator_from_settings(explicit, auth)
    assert isinstance(explicit_authenticator, OidcAuthenticator)
    assert explicit_authenticator.audience == "https://scraper.example.org"
    provider = token_provider_from_settings(oidc, auth)
    assert isinstance(provider, GoogleIdTokenProvider)
    assert provider.metadata_url == "http://127.0.0.1:9/identity"


def test_oidc_callers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_CALLERS", "scheduler=sched@p.iam.gserviceaccount.com")
    oidc = settings(SERVICE_AUTH_MODE="oidc")
    authenticator = authenticator_from_settings(oidc)
    assert isinstance(authenticator, OidcAuthenticator)
    assert authenticator.callers == {"sched@p.iam.gserviceaccount.com": "scheduler"}
    assert authenticator.audience == "http://127.0.0.1:8001"


def test_a_settings_class_may_carry_the_oidc_fields_itself() -> None:
    class ScraperSettings(ServiceSettings, ServiceAuthSettings):
        service_name: str = "scraper"

    mine = ScraperSettings.model_validate(
        {"SERVICE_AUTH_MODE": "oidc", "OIDC_CALLERS": "core=core@p.iam.gserviceaccount.com"}
    )
    authenticator = authenticator_from_settings(mine)
    assert isinstance(authenticator, OidcAuthenticator)
    assert authenticator.callers == {"core@p.iam.gserviceaccount.com": "core"}


@pytest.mark.parametrize(
    "raw",
    [
        "scheduler",
        "scheduler=",
        "=sched@p.iam.gserviceaccount.com",
        "scheduler=not-an-email",
        "a=x@p.iam.gserviceaccount.com,b=X@p.iam.gserviceaccount.com",
    ],
)
def test_bad_oidc_callers_fail_fast(raw: str) -> None:
    with pytest.raises(ValueError, match="OIDC_CALLERS"):
        ServiceAuthSettings.model_validate({"OIDC_CALLERS": raw})


def test_oidc_mode_without_callers_or_audience_fails_fast() -> None:
    with pytest.raises(ValueError, match="OIDC_CALLERS is empty"):
        authenticator_from_settings(
            settings(SERVICE_AUTH_MODE="oidc"), ServiceAuthSettings.model_validate({})
        )
    callers = ServiceAuthSettings.model_validate({"OIDC_CALLERS": "core=core@p.iam.gserviceaccount.com"})
    with pytest.raises(ValueError, match="SERVICE_AUDIENCE is required"):
        authenticator_from_settings(settings(SERVICE_AUTH_MODE="oidc", service_name="worker"), callers)


def test_several_keys_per_caller_let_a_key_rotate_without_a_gap() -> None:
    old, new = PRIVATE["core"], SigningKey.generate("ES256")
    from_old = issue_token(issuer="core", audience="documents", key=old)
    from_new = issue_token(issuer="core", audience="documents", key=new)

    # Step 1: the targets hold both public keys; callers on either side of the switch pass.
    both = {"core": [new.public(), old.public()]}
    for token in (from_old, from_new):
        assert verify_token(token, audience="documents", keys=both).caller == "core"
    # Step 3: the old public key is dropped; only the new signer passes.
    only_new = {"core": [new.public()]}
    assert verify_token(from_new, audience="documents", keys=only_new).caller == "core"
    with pytest.raises(AuthenticationFailed) as refused:
        verify_token(from_old, audience="documents", keys=only_new)
    assert refused.value.error_code == "token_invalid_signature"
    # The settings carry the list comma-separated.
    rotating = settings(SERVICE_CALLER_KEYS_CORE=f"{new.public().text()}, {old.public().text()}")
    old_to_scraper = issue_token(issuer="core", audience="scraper", key=old)
    assert authenticator_from_settings(rotating).verify(old_to_scraper).caller == "core"
