"""Reaching Temporal beyond a laptop: TLS with a cluster's own CA, mTLS, and an API key, read
from Temporal's standard environment configuration (TEMPORAL_TLS*, TEMPORAL_API_KEY, a TOML
profile). The connections go through a TLS-terminating proxy in front of the real dev server,
so a wrong CA or a missing client certificate is refused by a real handshake."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretBytes

from config import (
    TEMPORAL_OPTIONAL,
    SettingsError,
    TemporalSettings,
    TemporalTls,
    temporal_settings,
)
from starter.client import TemporalUnreachable, connect_with
from tests.starter.conftest import OrderServer

TEMPORAL_VARIABLES = ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", *TEMPORAL_OPTIONAL)


@dataclass
class Pem:
    cert: bytes
    key: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _issue(
    name: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey]
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer[0])
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )


def certificate_authority(name: str) -> tuple[Pem, x509.Name, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _issue(name, key, (subject, key))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Pem(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)), subject, key


def leaf(name: str, ca: tuple[x509.Name, ec.EllipticCurvePrivateKey], *, server: bool) -> Pem:
    key = _key()
    builder = _issue(name, key, ca)
    if server:
        names = [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca[1], hashes.SHA256())
    return Pem(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))


@dataclass
class Pki:
    ca: Pem
    server: Pem
    client: Pem
    stranger_ca: Pem  # signs nothing this proxy trusts


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca, subject, key = certificate_authority("consign test CA")
    stranger, _, _ = certificate_authority("someone else's CA")
    return Pki(
        ca=ca,
        server=leaf("temporal.test", (subject, key), server=True),
        client=leaf("consign-worker", (subject, key), server=False),
        stranger_ca=stranger,
    )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@dataclass
class Proxy:
    address: str


async def tls_proxy(
    upstream: str, pki: Pki, tmp: Path, *, require_client_cert: bool
) -> AsyncIterator[Proxy]:
    """TLS (gRPC's h2 over ALPN) on a free port, plaintext to the dev server behind it."""
    (tmp / "server.pem").write_bytes(pki.server.cert)
    (tmp / "server.key").write_bytes(pki.server.key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp / "server.pem", tmp / "server.key")
    context.set_alpn_protocols(["h2"])
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=pki.ca.cert.decode())
    host, port = upstream.rsplit(":", 1)

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    async with server:
        yield Proxy(f"localhost:{server.sockets[0].getsockname()[1]}")


@pytest.fixture
async def tls_only(order_server: OrderServer, pki: Pki, tmp_path: Path) -> AsyncIterator[Proxy]:
    async for proxy in tls_proxy(order_server.address, pki, tmp_path, require_client_cert=False):
        yield proxy


@pytest.fixture
async def mtls(order_server: OrderServer, pki: Pki, tmp_path: Path) -> AsyncIterator[Proxy]:
    async for proxy in tls_proxy(order_server.address, pki, tmp_path, require_client_cert=True):
        yield proxy


def settings_for(proxy: Proxy, tls: TemporalTls | None) -> TemporalSettings:
    return TemporalSettings(address=proxy.address, namespace="default", task_queue="t", tls=tls)


async def answers(temporal: TemporalSettings) -> bool:
    client = await connect_with(temporal)
    return (await client.count_workflows("WorkflowType = 'NoSuchType'")).count == 0


async def test_tls_with_the_clusters_own_ca_connects(tls_only: Proxy, pki: Pki) -> None:
    assert await answers(settings_for(tls_only, TemporalTls(server_ca_cert=pki.ca.cert)))


@pytest.mark.parametrize(
    "tls",
    [None, TemporalTls()],
    ids=["plaintext to a TLS port", "the system trust store for a private CA"],
)
async def test_a_connection_the_server_cannot_accept_is_one_clear_error(
    tls_only: Proxy, tls: TemporalTls | None
) -> None:
    with pytest.raises(TemporalUnreachable, match=f"cannot reach Temporal at {tls_only.address}"):
        await connect_with(settings_for(tls_only, tls))


async def test_mtls_connects_with_the_client_certificate(mtls: Proxy, pki: Pki) -> None:
    tls = TemporalTls(
        server_ca_cert=pki.ca.cert,
        client_cert=pki.client.cert,
        client_key=SecretBytes(pki.client.key),
    )
    assert await answers(settings_for(mtls, tls))


async def test_mtls_without_a_client_certificate_is_refused(mtls: Proxy, pki: Pki) -> None:
    with pytest.raises(TemporalUnreachable):
        await connect_with(settings_for(mtls, TemporalTls(server_ca_cert=pki.ca.cert)))


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No TEMPORAL_* from the machine, and a HOME whose personal temporal.toml must be ignored."""
    for name in TEMPORAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    personal = tmp_path / "home" / ".config" / "temporalio"
    personal.mkdir(parents=True)
    (personal / "temporal.toml").write_text(
        '[profile.default]\naddress = "personal.tmprl.cloud:7233"\napi_key = "personal"\n'
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield monkeypatch


def test_by_default_a_plaintext_local_server(environment: pytest.MonkeyPatch) -> None:
    temporal = temporal_settings()
    assert (temporal.address, temporal.namespace) == ("localhost:7233", "default")
    assert temporal.api_key is None and temporal.tls is None


def test_an_api_key_turns_on_tls_unless_tls_is_turned_off(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("TEMPORAL_ADDRESS", "consign.a1b2c.tmprl.cloud:7233")
    environment.setenv("TEMPORAL_API_KEY", "cloud-key")
    temporal = temporal_settings()
    assert temporal.tls == TemporalTls()
    assert temporal.api_key is not None and temporal.api_key.get_secret_value() == "cloud-key"
    assert "cloud-key" not in repr(temporal)
    environment.setenv("TEMPORAL_TLS", "false")
    assert temporal_settings().tls is None


def test_mtls_files_are_read_and_a_missing_half_is_named(
    environment: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert)
    (tmp_path / "client.pem").write_bytes(pki.client.cert)
    (tmp_path / "client.key").write_bytes(pki.client.key)
    environment.setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", str(tmp_path / "ca.pem"))
    environment.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", str(tmp_path / "client.pem"))
    with pytest.raises(SettingsError, match="TEMPORAL_TLS_CLIENT_KEY_PATH is not set"):
        temporal_settings()
    environment.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", str(tmp_path / "client.key"))
    tls = temporal_settings().tls
    assert tls is not None and tls.server_ca_cert == pki.ca.cert
    assert tls.client_key is not None and tls.client_key.get_secret_value() == pki.client.key
    assert pki.client.key.decode() not in repr(tls)


def test_a_toml_profile_is_used_when_named_and_the_environment_wins(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    profile = tmp_path / "temporal.toml"
    profile.write_text(
        '[profile.cloud]\naddress = "consign.a1b2c.tmprl.cloud:7233"\n'
        'namespace = "consign.a1b2c"\napi_key = "from-file"\n'
    )
    environment.setenv("TEMPORAL_CONFIG_FILE", str(profile))
    environment.setenv("TEMPORAL_PROFILE", "cloud")
    temporal = temporal_settings()
    assert (temporal.address, temporal.namespace) == (
        "consign.a1b2c.tmprl.cloud:7233",
        "consign.a1b2c",
    )
    assert temporal.api_key is not None and temporal.tls == TemporalTls()
    environment.setenv("TEMPORAL_NAMESPACE", "override")
    assert temporal_settings().namespace == "override"
    environment.setenv("TEMPORAL_PROFILE", "nope")
    with pytest.raises(SettingsError, match="TEMPORAL_PROFILE"):
        temporal_settings()


def test_empty_variables_count_as_unset(environment: pytest.MonkeyPatch) -> None:
    """As .env.example writes them: `TEMPORAL_API_KEY=` is no key, not a key of ''."""
    for name in TEMPORAL_OPTIONAL:
        environment.setenv(name, "")
    temporal = temporal_settings()
    assert temporal.tls is None and temporal.api_key is None
