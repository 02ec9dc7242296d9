"""Who sent this webhook: the connector's timestamped HMAC scheme and Adobe Commerce Webhooks' RSA signature.

Both checks work on the raw body bytes exactly as received; re-serialised JSON would not match. Failures
raise :class:`SignatureError` whose message is safe to return to the sender (it never holds a secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

HMAC_TIMESTAMP_HEADER = "X-Connector-Timestamp"
HMAC_SIGNATURE_HEADER = "X-Connector-Signature"
HMAC_SIGNATURE_PREFIX = "sha256="
ADOBE_SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"
ADOBE_REQUEST_ID_HEADER = "x-adobe-commerce-request-id"
# An RSA-2048 signature is 256 bytes (344 base64 chars); 8 KiB of header is far beyond any real key size.
MAX_ADOBE_SIGNATURE_CHARS = 8192


class SignatureError(Exception):
    """The delivery is not authentic; the message says why, without any secret."""


def hmac_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Connector-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return HMAC_SIGNATURE_PREFIX + digest


def check_timestamp(timestamp: str | None, now: float, tolerance_seconds: int) -> None:
    """Refuse a missing, malformed or stale ``X-Connector-Timestamp`` (replay protection, both directions)."""
    if not timestamp:
        raise SignatureError(f"missing {HMAC_TIMESTAMP_HEADER} header")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(f"{HMAC_TIMESTAMP_HEADER} must be unix seconds")
    if abs(now - int(timestamp)) > tolerance_seconds:
        raise SignatureError(
            f"{HMAC_TIMESTAMP_HEADER} is outside the {tolerance_seconds} s tolerance window (replay refused)"
        )


def verify_hmac(secret: str, timestamp: str, signature: str | None, body: bytes) -> None:
    """Check ``signature`` against HMAC-SHA256(secret, "<timestamp>.<body>") in constant time."""
    if not signature:
        raise SignatureError(f"missing {HMAC_SIGNATURE_HEADER} header")
    expected = hmac_signature(secret, timestamp, body)
    # compare_digest needs ASCII on both sides; a non-ASCII header cannot match anyway.
    given = signature.strip().lower() if signature.isascii() else ""
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureError(f"{HMAC_SIGNATURE_HEADER} does not match the body")


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Parse the instance's ``webhook_public_key`` (PEM ``BEGIN PUBLIC KEY``, RSA) once, at start.

    Raises ``ValueError`` with a message fit for a configuration error.
    """
    try:
        key = load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("is not a PEM public key ('-----BEGIN PUBLIC KEY-----')") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("must be an RSA public key (Adobe Commerce signs with RSA-SHA256)")
    return key


def adobe_signature(private_key: rsa.RSAPrivateKey, body: bytes) -> str:
    """What Adobe Commerce sends in ``x-adobe-commerce-webhook-signature`` for ``body`` (tests, sandboxes)."""
    raw = private_key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def verify_adobe(public_key: rsa.RSAPublicKey, signature: str | None, body: bytes) -> None:
    """Check an Adobe Commerce Webhooks signature: RSASSA-PKCS1-v1_5 SHA-256 over base64(raw body).

    reference/magento.md §5.1: the signed data is the base64 of the body, the header the base64 signature.
    """
    if not signature:
        raise SignatureError(f"missing {ADOBE_SIGNATURE_HEADER} header")
    if len(signature) > MAX_ADOBE_SIGNATURE_CHARS:
        raise SignatureError(f"{ADOBE_SIGNATURE_HEADER} is not a valid signature")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{ADOBE_SIGNATURE_HEADER} is not valid base64") from None
    try:
        public_key.verify(raw, base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError(f"{ADOBE_SIGNATURE_HEADER} does not match the body") from None
