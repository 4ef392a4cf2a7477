"""The local certificate authority `rerating serve --https` asks the user to trust system-wide.

Before issue 31 it could sign for any site for ten years, its key a file in the user's folder:
whoever copied the file could impersonate any bank to that machine. It is now constrained to
the names it serves (critical name constraints) and short-lived, renewed by `serve` itself.
Both sides are tested with real verifiers: `cryptography`'s RFC 5280 path validation, and
headless Chromium trusting the authority as a root in its own NSS database (no SPKI bypass).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rerating.server import tls
from rerating.server.app import ServerConfig, create_app
from tests.server.chromium import chromium
from tests.server.conftest import TOKEN
from tests.server.running import allow_loopback, free_port, running


def _load(path: Path):  # type: ignore[no-untyped-def]
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes())


def _sign_for(folder: Path, host: str, out: Path) -> tuple[Path, Path]:
    """A certificate for ``host`` signed with the authority's own key, as whoever copied the
    key file could make one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca = _load(folder / "rerating-ca.crt")
    ca_key = serialization.load_pem_private_key((folder / "rerating-ca.key").read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    out.mkdir(parents=True, exist_ok=True)
    (out / "evil.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "evil.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return out / "evil.crt", out / "evil.key"


def test_the_authority_signs_for_localhost_only_and_lives_400_days(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store

    certs = tls.ensure(tmp_path)
    ca, leaf = _load(certs.ca), _load(certs.cert)
    nc = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert nc.critical
    assert nc.value.permitted_subtrees == [
        x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
        x509.IPAddress(ipaddress.ip_network("::1/128"))]
    life = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert life == dt.timedelta(days=401)  # a day back for clocks, 400 ahead
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == dt.timedelta(days=91)
    store = Store([ca])
    for name in (DNSName("localhost"), IPAddress(ipaddress.ip_address("127.0.0.1"))):
        PolicyBuilder().store(store).build_server_verifier(name).verify(leaf, [])
    evil, _ = _sign_for(tmp_path, "bank.example", tmp_path / "evil")
    with pytest.raises(Exception, match=r"(?i)name constraint|excluded|not permitted"):
        PolicyBuilder().store(store).build_server_verifier(DNSName("bank.example")).verify(
            _load(evil), [])


def test_an_old_unconstrained_or_expiring_authority_is_replaced_and_said(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def old_ca(days: float, constrained: bool) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, tls.CA_NAME)])
        now = dt.datetime.now(dt.UTC)
        b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=10))
             .not_valid_after(now + dt.timedelta(days=days))
             .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True))
        if constrained:
            b = b.add_extension(x509.NameConstraints(tls._subtrees(), None), critical=True)
        (tmp_path / "rerating-ca.crt").write_bytes(
            b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        (tmp_path / "rerating-ca.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    old_ca(3650, constrained=False)  # what `serve --https` made before
    got = tls.ensure(tmp_path)
    assert got.made_ca and got.replaced is not None and "could sign for any site" in got.replaced
    assert tls.usable(_load(got.ca), dt.datetime.now(dt.UTC))
    again = tls.ensure(tmp_path)  # a good authority is kept
    assert not again.made_ca and again.replaced is None
    old_ca(20, constrained=True)  # 20 days left: under RENEW_DAYS
    got = tls.ensure(tmp_path)
    assert got.made_ca and got.replaced is not None and "ends on" in got.replaced


@pytest.mark.skipif(shutil.which("certutil") is None or shutil.which("chromium") is None,
                    reason="needs NSS's certutil (libnss3-tools) and chromium")
def test_chromium_trusting_the_authority_accepts_localhost_and_refuses_another_name(
        desk, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    allow_loopback(monkeypatch)
    certs = tls.ensure(tmp_path / "ca")
    evil_cert, evil_key = _sign_for(tmp_path / "ca", "bank.example", tmp_path / "evil")
    # Chromium on Linux reads the user's trusted roots from ~/.pki/nssdb: a fresh HOME with
    # the authority as its one added root, trusted for websites
    home = tmp_path / "home"
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{db}", "-N", "--empty-password"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{db}", "-A", "-t", "C,,", "-n", "rerating",
                    "-i", str(certs.ca)], check=True)
    monkeypatch.setenv("HOME", str(home))
    good, bad = free_port(), free_port()
    app = create_app(ServerConfig(token=TOKEN, port=good, scheme="https"))
    evil_app = create_app(ServerConfig(token=TOKEN, port=bad, scheme="https",
                                       host="bank.example"))
    with running(app, good, ssl_certfile=str(certs.cert), ssl_keyfile=str(certs.key)), \
            running(evil_app, bad, ssl_certfile=str(evil_cert), ssl_keyfile=str(evil_key)), \
            chromium(None, ("--host-resolver-rules=MAP bank.example 127.0.0.1",),
                     env={**os.environ, "HOME": str(home)}) as browser:
        tab = browser.open(f"https://localhost:{good}/api/health")
        assert '"ok":true' in browser.wait_for(tab, "document.body && document.body.innerText")
        tab = browser.open(f"https://bank.example:{bad}/api/health")
        shown = browser.wait_for(tab, "location.href.startsWith('chrome-error') && "
                                      "document.body.innerText")
        assert "bank.example" in shown and '"ok":true' not in shown
