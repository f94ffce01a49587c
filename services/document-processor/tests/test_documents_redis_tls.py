"""Redis with AUTH and TLS, as in production (``rediss://:PASSWORD@host/0``): a throwaway
``redis-server`` on a free port that only speaks TLS and wants a password, with a certificate from
a CA made here. Celery (broker and results), the readiness check and the queue-length metric all
reach it with the URL alone; without the password or the CA they are refused.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import free_port, stop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.metrics import DocumentsCollector
from portfolio_documents.worker import create_celery, verified_tls
from portfolio_shared.health import check_redis

PASSWORD = "redis-password-for-tests"


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """(port, CA file) of a TLS-only, password-protected redis-server; stopped by its pid."""
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        pytest.fail("redis-server is missing (it runs Redis on every development and CI machine)")
    directory = tmp_path_factory.mktemp("redis-tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca_cert = _certificate("test CA", ca_key, ca_name, ca_key, ca=True)
    server_cert = _certificate("127.0.0.1", server_key, ca_name, ca_key, ca=False)
    ca_file = _pem(directory / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file = _pem(directory / "server.pem", server_cert.public_bytes(serialization.Encoding.PEM))
    key_file = _pem(
        directory / "server.key",
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    port = free_port()
    command = [server_binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1"]
    command += ["--tls-cert-file", str(cert_file), "--tls-key-file", str(key_file)]
    command += ["--tls-ca-cert-file", str(ca_file), "--tls-auth-clients", "no", "--requirepass", PASSWORD]
    command += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={ca_file}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis.from_url(url).ping():
                    break
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield port, ca_file
    finally:
        stop(process)


def test_celery_reaches_a_tls_redis_with_auth(tls_redis: tuple[int, Path]) -> None:
    port, ca_file = tls_redis
    url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={ca_file}"
    app = create_celery(DocumentsSettings(REDIS_URL=url))
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
            assert connection.transport_options is not None
        assert app.backend.client.ping()
        result = app.send_task("documents.ping", queue=f"tls-{port}")  # lands in the TLS Redis
        assert redis.Redis.from_url(url).llen(f"tls-{port}") == 1
        result.forget()
    finally:
        app.close()


def test_the_readiness_check_and_the_queue_metric_use_the_url_alone(tls_redis: tuple[int, Path]) -> None:
    port, ca_file = tls_redis
    url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={ca_file}"
    assert asyncio.run(check_redis(url))[0]
    collector = DocumentsCollector(database_url="postgresql://unused@127.0.0.1:1/x", redis_url=url, queue="q")
    up = next(m for m in collector.collect() if m.name == "documents_collector_up")
    samples = {sample.labels["source"]: sample.value for sample in up.samples}
    assert samples.get("broker") == 1, samples


def test_a_wrong_password_or_an_unknown_ca_is_refused(tls_redis: tuple[int, Path]) -> None:
    port, ca_file = tls_redis
    assert not asyncio.run(check_redis(f"rediss://:wrong@127.0.0.1:{port}/0?ssl_ca_certs={ca_file}"))[0]
    assert not asyncio.run(check_redis(f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"))[0]  # system CAs only


def test_celery_verifies_certificates_unless_told_otherwise() -> None:
    assert verified_tls("rediss://:p@h:6378/0") == "rediss://:p@h:6378/0?ssl_cert_reqs=required"
    with_ca = "rediss://h/0?ssl_ca_certs=/ca.pem"
    assert verified_tls(with_ca) == with_ca + "&ssl_cert_reqs=required"
    assert verified_tls("rediss://h/0?ssl_cert_reqs=none") == "rediss://h/0?ssl_cert_reqs=none"
    assert verified_tls("redis://h/0") == "redis://h/0"
