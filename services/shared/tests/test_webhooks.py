"""Standard Webhooks signing and verification: tampering, rotation, timestamps, headers."""

from __future__ import annotations

import base64
import time

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from portfolio_shared.errors import WebhookVerificationError
from portfolio_shared.webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    sign_headers,
    signature,
    verify,
)

NOW = 1_800_000_000

# Printable ASCII without spaces: what a webhook-id header can carry.
ids = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
secrets = st.text(min_size=1, max_size=40).filter(lambda s: not s.startswith("whsec_"))
secret_lists = st.lists(secrets, min_size=1, max_size=4, unique=True)
bodies = st.binary(max_size=512)
offsets = st.integers(min_value=-TOLERANCE_SECONDS, max_value=TOLERANCE_SECONDS)


def code_of(secret_list: list[str], headers: dict[str, str], body: bytes, now: float = NOW) -> str:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(secret_list, headers, body, now=now)
    assert caught.value.status == 401
    return caught.value.error_code


@given(secret_list=secret_lists, msg_id=ids, body=bodies, offset=offsets)
def test_a_signed_webhook_verifies_and_returns_its_id(
    secret_list: list[str], msg_id: str, body: bytes, offset: int
) -> None:
    headers = sign_headers(secret_list, body, msg_id=msg_id, timestamp=NOW + offset)
    assert verify(secret_list, headers, body, now=NOW) == msg_id


@given(secret_list=secret_lists, msg_id=ids, other_id=ids, body=bodies)
def test_any_change_to_the_id_fails(secret_list: list[str], msg_id: str, other_id: str, body: bytes) -> None:
    assume(other_id != msg_id)
    headers = sign_headers(secret_list, body, msg_id=msg_id, timestamp=NOW)
    headers[ID_HEADER] = other_id
    assert code_of(secret_list, headers, body) == "webhook_invalid_signature"


@given(secret_list=secret_lists, msg_id=ids, body=bodies, offset=offsets, other=offsets)
def test_any_change_to_the_timestamp_fails(
    secret_list: list[str], msg_id: str, body: bytes, offset: int, other: int
) -> None:
    assume(other != offset)
    headers = sign_headers(secret_list, body, msg_id=msg_id, timestamp=NOW + offset)
    headers[TIMESTAMP_HEADER] = str(NOW + other)
    assert code_of(secret_list, headers, body) == "webhook_invalid_signature"


@pytest.mark.parametrize(
    "spelling",
    [
        f"0{NOW}",
        f"00{NOW}",
        f"+{NOW}",
        f" {NOW}",
        f"{NOW} ",
        "1_800_000_000",
        "".join(chr(0xFF10 + int(d)) for d in str(NOW)),
    ],
)
def test_the_same_timestamp_spelled_differently_is_refused(spelling: str) -> None:
    # int() reads every one of these as NOW; a receiver must not, or the signed header is malleable.
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    headers[TIMESTAMP_HEADER] = spelling
    assert code_of(["s3cret"], headers, b"{}") == "webhook_invalid_timestamp"


@given(secret_list=secret_lists, msg_id=ids, body=bodies, other=bodies)
@example(secret_list=["s"], msg_id="m", body=b"{}", other=b"{} ")
def test_any_change_to_the_body_fails(secret_list: list[str], msg_id: str, body: bytes, other: bytes) -> None:
    assume(other != body)
    headers = sign_headers(secret_list, body, msg_id=msg_id, timestamp=NOW)
    assert code_of(secret_list, headers, other) == "webhook_invalid_signature"


@given(secret_list=secret_lists, msg_id=ids, body=bodies, data=st.data())
def test_signed_by_one_secret_verifies_against_the_whole_rotation_list(
    secret_list: list[str], msg_id: str, body: bytes, data: st.DataObject
) -> None:
    signer = data.draw(st.sampled_from(secret_list))
    headers = sign_headers([signer], body, msg_id=msg_id, timestamp=NOW)
    assert verify(secret_list, headers, body, now=NOW) == msg_id


@given(secret_list=secret_lists, msg_id=ids, body=bodies, data=st.data())
def test_signed_by_the_rotation_list_verifies_with_any_one_secret(
    secret_list: list[str], msg_id: str, body: bytes, data: st.DataObject
) -> None:
    receiver = data.draw(st.sampled_from(secret_list))
    headers = sign_headers(secret_list, body, msg_id=msg_id, timestamp=NOW)
    assert len(headers[SIGNATURE_HEADER].split(" ")) == len(secret_list)
    assert verify([receiver], headers, body, now=NOW) == msg_id


@given(secret_list=secret_lists, wrong=secrets, body=bodies)
def test_a_secret_outside_the_list_fails(secret_list: list[str], wrong: str, body: bytes) -> None:
    assume(wrong not in secret_list)
    headers = sign_headers([wrong], body, msg_id="msg_1", timestamp=NOW)
    assert code_of(secret_list, headers, body) == "webhook_invalid_signature"


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (-TOLERANCE_SECONDS - 1, "webhook_timestamp_too_old"),
        (-86_400, "webhook_timestamp_too_old"),
        (TOLERANCE_SECONDS + 1, "webhook_timestamp_too_new"),
        (86_400, "webhook_timestamp_too_new"),
    ],
)
def test_stale_and_future_timestamps_have_their_own_codes(offset: int, code: str) -> None:
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW + offset)
    assert code_of(["s3cret"], headers, b"{}") == code


@pytest.mark.parametrize("offset", [-TOLERANCE_SECONDS, TOLERANCE_SECONDS])
def test_the_tolerance_edges_are_accepted(offset: int) -> None:
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW + offset)
    assert verify(["s3cret"], headers, b"{}", now=NOW) == "msg_1"


def test_without_now_the_clock_decides() -> None:
    fresh = sign_headers(["s3cret"], b"{}", msg_id="msg_1")
    assert verify(["s3cret"], fresh, b"{}") == "msg_1"
    stale = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError) as caught:
        verify(["s3cret"], stale, b"{}")
    assert caught.value.error_code == "webhook_timestamp_too_old"


@pytest.mark.parametrize("header", [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_each_missing_header_is_named(header: str, how: str) -> None:
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    if how == "absent":
        del headers[header]
    else:
        headers[header] = ""
    with pytest.raises(WebhookVerificationError) as caught:
        verify(["s3cret"], headers, b"{}", now=NOW)
    assert caught.value.error_code == "webhook_missing_header"
    assert caught.value.details == {"missing": [header]}


def test_no_headers_at_all_names_all_three() -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(["s3cret"], {}, b"{}", now=NOW)
    assert caught.value.details["missing"] == [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER]


@pytest.mark.parametrize("raw", ["soon", "1.8e9", "1800000000.5", "-", "0x6B49D200", "-1800000000"])
def test_a_non_integer_timestamp_is_refused(raw: str) -> None:
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    headers[TIMESTAMP_HEADER] = raw
    assert code_of(["s3cret"], headers, b"{}") == "webhook_invalid_timestamp"


def test_no_configured_secret_is_its_own_failure() -> None:
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    assert code_of([], headers, b"{}") == "webhook_no_secret"
    with pytest.raises(ValueError, match="at least one"):
        sign_headers([], b"{}")


def test_the_standard_webhooks_reference_vector() -> None:
    # The test vector published with the Standard Webhooks specification (whsec_ = base64 key).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {
        ID_HEADER: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        TIMESTAMP_HEADER: "1614265330",
        SIGNATURE_HEADER: expected,
    }
    assert verify([secret], headers, body, now=1614265330) == "msg_p5jXN8AQM9LWM0D4loKWxJek"


@given(key=st.binary(min_size=16, max_size=64), msg_id=ids, body=bodies)
def test_whsec_secrets_sign_with_the_decoded_key(key: bytes, msg_id: str, body: bytes) -> None:
    whsec = "whsec_" + base64.b64encode(key).decode()
    headers = sign_headers([whsec], body, msg_id=msg_id, timestamp=NOW)
    assert verify([whsec], headers, body, now=NOW) == msg_id
    # The base64 text itself is not the key: a receiver that forgot to decode must fail.
    assert code_of([base64.b64encode(key).decode()], headers, body) == "webhook_invalid_signature"


def test_header_names_are_case_insensitive() -> None:
    signed = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    shouted = {
        "Webhook-Id": signed[ID_HEADER],
        "WEBHOOK-TIMESTAMP": signed[TIMESTAMP_HEADER],
        "Webhook-Signature": signed[SIGNATURE_HEADER],
    }
    assert verify(["s3cret"], shouted, b"{}", now=NOW) == "msg_1"


@given(
    noise=st.lists(st.sampled_from(["v1,AAAA", "v1,", "v2,xyz", "garbage", "v1a,zzz", ""]), max_size=4),
    position=st.integers(min_value=0, max_value=4),
)
def test_one_good_signature_among_several_space_separated_ones_passes(
    noise: list[str], position: int
) -> None:
    good = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    parts = list(noise)
    parts.insert(min(position, len(parts)), good[SIGNATURE_HEADER])
    headers = {**good, SIGNATURE_HEADER: " ".join(parts)}
    assert verify(["s3cret"], headers, b"{}", now=NOW) == "msg_1"


def test_a_good_signature_under_another_version_prefix_fails() -> None:
    good = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)[SIGNATURE_HEADER]
    headers = sign_headers(["s3cret"], b"{}", msg_id="msg_1", timestamp=NOW)
    headers[SIGNATURE_HEADER] = "v2," + good.removeprefix("v1,")
    assert code_of(["s3cret"], headers, b"{}") == "webhook_invalid_signature"
    headers[SIGNATURE_HEADER] = "v1a," + good.removeprefix("v1,")
    assert code_of(["s3cret"], headers, b"{}") == "webhook_invalid_signature"


def test_sign_headers_defaults_to_a_fresh_id_and_the_current_time() -> None:
    first = sign_headers(["s3cret"], b"{}")
    second = sign_headers(["s3cret"], b"{}")
    assert first[ID_HEADER].startswith("msg_") and first[ID_HEADER] != second[ID_HEADER]
    assert abs(int(first[TIMESTAMP_HEADER]) - time.time()) < TOLERANCE_SECONDS
