"""HTTPS on localhost, as Office requires of an add-in: a local certificate authority made once
on this machine, and a certificate for ``localhost``/``127.0.0.1`` signed by it.

The user trusts the authority once (:func:`trust_command` gives the one command for their OS);
every certificate it signs is then trusted without a warning to click through, and the
authority's key never leaves this machine (mode 0600, in the user's config folder). The same
scheme as mkcert and Microsoft's ``office-addin-dev-certs``, in Python (``cryptography``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CA_NAME = "Rerating Desk local CA"


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path
    made_ca: bool  # the authority was made now: the user still has to trust it


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def ensure(folder: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")) -> Certificates:
    """The authority (made on first use) and a fresh localhost certificate signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert, ca_key = folder / "rerating-ca.crt", folder / "rerating-ca.key"
    now = dt.datetime.now(dt.UTC)
    made = False
    if ca_cert.exists() and ca_key.exists():
        ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
        key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rerating Desk (this machine)")])
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False,
                                           data_encipherment=False, key_agreement=False,
                                           encipher_only=False, decipher_only=False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .sign(key, hashes.SHA256()))
        _write_private(ca_key, key.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
        ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        made = True
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca.subject).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            # browsers refuse leaf certificates valid for more than 398 days
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=397))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    cert, leaf_path = folder / "localhost.crt", folder / "localhost.key"
    _write_private(leaf_path, leaf_key.private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    return Certificates(ca_cert, cert, leaf_path, made)


def trust_command(ca: Path, platform: str | None = None) -> str:
    """The one command that makes this user's system trust the local authority."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return f'certutil -user -addstore Root "{ca}"'
    if platform == "darwin":
        return ("security add-trusted-cert -r trustRoot -k "
                f'"$HOME/Library/Keychains/login.keychain-db" "{ca}"')
    return (f'sudo cp "{ca}" /usr/local/share/ca-certificates/rerating-ca.crt && '
            "sudo update-ca-certificates")
