"""Hostile PDFs cost bounded memory and time: decompression bombs, the child's address-space limit,
and time limits (ours between pages, and the caller's soft limit raised into the extraction)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pypdf
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from pdf_factory import flate_bomb, pages, raw_pdf

from portfolio_documents.processing.pdf import text as pdf_text
from portfolio_documents.processing.pdf.extract import ExtractionError, extract_pdf
from portfolio_documents.processing.pdf.guard import InflationLimitExceeded, check_inflation

GiB = 1024**3
TESTS = Path(__file__).resolve().parent


def bomb_pdf(inflated: int = 2 * GiB) -> bytes:
    return raw_pdf(flate_bomb(inflated))


def test_a_flate_bomb_is_refused_by_the_inflation_check() -> None:
    data = bomb_pdf()
    assert len(data) < 4 * 1024 * 1024
    with pytest.raises(InflationLimitExceeded) as caught:
        check_inflation(data, max_stream_bytes=64 * 1024**2)
    assert caught.value.limit == 64 * 1024**2
    assert caught.value.inflated_bytes > caught.value.limit


def test_nested_flate_layers_are_followed() -> None:
    inner = flate_bomb(GiB)
    data = raw_pdf(zlib.compress(inner, 9), filters="[/FlateDecode /FlateDecode]")
    assert len(data) < len(inner)  # the outer layer shrinks it further; only the inner one is a bomb
    with pytest.raises(InflationLimitExceeded):
        check_inflation(data, max_stream_bytes=64 * 1024**2)


def test_a_fake_nested_header_hides_nothing() -> None:
    # The content begins like a zlib stream ("x\x9c") but is a plain content stream of spaces.
    data = raw_pdf(flate_bomb(GiB, prefix=b"x\x9c"))
    with pytest.raises(InflationLimitExceeded):
        check_inflation(data, max_stream_bytes=64 * 1024**2)


def test_many_streams_add_up_to_the_document_limit() -> None:
    data = raw_pdf(flate_bomb(48 * 1024**2)) * 3  # three copies, each under the per-stream limit
    with pytest.raises(InflationLimitExceeded) as caught:
        check_inflation(data, max_stream_bytes=64 * 1024**2, max_total_bytes=100 * 1024**2)
    assert caught.value.limit == 100 * 1024**2


def test_an_encrypted_bomb_is_decoded_by_pypdf_with_its_limits() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(bomb_pdf(GiB))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(InflationLimitExceeded):
        check_inflation(buffer.getvalue())


def test_ordinary_pdfs_pass_the_check() -> None:
    data = pages(["A perfectly ordinary page of text. " * 50] * 3)
    inflated = check_inflation(data)
    assert len(data) < inflated < 100 * len(data)


def test_extraction_of_a_bomb_is_too_large() -> None:
    error = _failure(bomb_pdf())
    assert error.error_code == "too_large"
    assert error.details["limit_bytes"] == 256 * 1024**2


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from portfolio_documents.processing.pdf.extract import ExtractionError, apply_child_limits, extract_pdf

    apply_child_limits(int(sys.argv[2]))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    data = open(sys.argv[1], "rb").read()
    try:
        extract_pdf(data, max_pages=10)
        outcome = "extracted"
    except ExtractionError as exc:
        outcome = exc.error_code
    try:
        bytearray(2 * soft)  # more than the limit allows: must fail, and the process go on
        allocation = "allowed"
    except MemoryError:
        allocation = "MemoryError"
    print(json.dumps({"outcome": outcome, "soft": soft, "hard": hard, "allocation": allocation}))
    """
)


def test_a_bomb_in_a_memory_limited_child_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb_pdf(4 * GiB))
    limit = 1536 * 1024**2  # far below the 4 GiB the stream inflates to
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(limit)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report == {
        "outcome": "too_large",
        "soft": limit,
        "hard": report["hard"],
        "allocation": "MemoryError",
    }


def test_a_time_limit_between_pages_is_timeout() -> None:
    error = _failure(pages(["Some text. " * 20] * 3), time_limit=0.0)
    assert error.error_code == "timeout"


def test_the_callers_soft_time_limit_is_timeout_not_a_library_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(self: object) -> str:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pdf_text.PdfiumPage, "text", interrupted)
    error = _failure(pages(["Some text. " * 20] * 3))
    assert error.error_code == "timeout"
    assert isinstance(error.__cause__, SoftTimeLimitExceeded)


def _failure(data: bytes, **kwargs: object) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract_pdf(data, max_pages=10, **kwargs)  # type: ignore[arg-type]
    return caught.value
