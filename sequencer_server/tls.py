"""The embedded server's self-signed certificate for HTTPS on the LAN: made once, kept in
the data folder, and identified by its SHA-256 fingerprint, which invites carry so the
desktop can pin it (no certificate authority knows a bandmate's laptop)."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"
VALID_DAYS = 3650


@dataclass(frozen=True)
class Certificate:
    cert_path: Path
    key_path: Path
    fingerprint: str  # SHA-256 of the DER certificate, lowercase hex


def fingerprint_of(cert_path: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def existing_certificate(data_dir: Path) -> Certificate | None:
    cert, key = data_dir / CERT_FILE, data_dir / KEY_FILE
    if cert.is_file() and key.is_file():
        return Certificate(cert, key, fingerprint_of(cert))
    return None


def ensure_certificate(data_dir: Path) -> Certificate:
    """The data folder's certificate, made on first use (key readable by the owner only)."""
    found = existing_certificate(data_dir)
    if found is not None:
        return found
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Sequencer server on {host}")])
    now = dt.datetime.now(dt.UTC)
    alt = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.DNSName(host),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(alt, critical=False)
        .sign(key, hashes.SHA256())
    )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private_files
    key_path, cert_path = data_dir / KEY_FILE, data_dir / CERT_FILE
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Certificate(cert_path, key_path, fingerprint_of(cert_path))


def colon_hex(fingerprint: str) -> str:
    """``ab:cd:…`` as browsers and ``openssl x509 -fingerprint`` show it."""
    return ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)).upper()
