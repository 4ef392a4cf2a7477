"""HTTPS on localhost, as Office requires of an add-in: a local certificate authority made once
on this machine, and a certificate for ``localhost``/``127.0.0.1`` signed by it.

The user trusts the authority once (:func:`trust_command` gives the one command for their OS);
every certificate it signs is then trusted without a warning to click through, and the
authority's key never leaves this machine (mode 0600, in the user's config folder). The same
scheme as mkcert and Microsoft's ``office-addin-dev-certs``, in Python (``cryptography``), with
one difference that matters: a trusted root that can sign for any site is a skeleton key to
the machine's HTTPS for whoever copies its key file. So the authority is constrained to what it
serves (X.509 name constraints, critical: ``localhost``, ``127.0.0.1``, ``::1``), and lives
:data:`CA_DAYS` days: ``rerating serve`` makes a new one, and says to trust it, when fewer than
:data:`RENEW_DAYS` are left or when the one on disk is an older, unconstrained authority.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CA_NAME = "Rerating Desk local CA"
#: the authority's life, and how near its end ``ensure`` makes a new one
CA_DAYS, RENEW_DAYS = 400, 30
#: a localhost certificate's life (made afresh at every start; never past the authority's end)
LEAF_DAYS = 90
#: the only names the authority may sign for (name constraints)
PERMITTED = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path
    made_ca: bool  # the authority was made now: the user still has to trust it
    #: why the authority on disk was replaced (None when there was none, or it was kept)
    replaced: str | None = None


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
    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes()) \
        if ca_cert.exists() and ca_key.exists() else None
    replaced = None
    if ca is not None and usable(ca, now):
        key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    else:
        if ca is not None:
            replaced = (f"the one made before ends on {ca.not_valid_after_utc:%Y-%m-%d}"
                        if _constrained(ca) else "the one made before could sign for any site: "
                        "remove it from your trusted roots")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rerating Desk (this machine)")])
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=1))
              .not_valid_after(now + dt.timedelta(days=CA_DAYS))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.NameConstraints(permitted_subtrees=_subtrees(),
                                                  excluded_subtrees=None), critical=True)
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
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(min(now + dt.timedelta(days=LEAF_DAYS), ca.not_valid_after_utc))
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
    return Certificates(ca_cert, cert, leaf_path, made, replaced)


def _subtrees() -> list:  # type: ignore[type-arg]
    from cryptography import x509

    out: list[x509.GeneralName] = []
    for name in PERMITTED:
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            out.append(x509.DNSName(name))
            continue
        out.append(x509.IPAddress(ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}")))
    return out


def usable(ca: object, now: dt.datetime) -> bool:
    """The authority on disk may go on signing: constrained to :data:`PERMITTED` and more than
    :data:`RENEW_DAYS` from its end. An older authority (unconstrained, ten years) is not."""
    from cryptography import x509

    assert isinstance(ca, x509.Certificate)
    return _constrained(ca) and ca.not_valid_after_utc - now > dt.timedelta(days=RENEW_DAYS)


def _constrained(ca: object) -> bool:
    from cryptography import x509

    assert isinstance(ca, x509.Certificate)
    try:
        nc = ca.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        return False
    return nc.critical and list(nc.value.permitted_subtrees or []) == _subtrees()


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
