"""Signature checks: the connector's timestamped HMAC and Adobe Commerce's RSA over base64(body)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from connector_worker.webhook.signatures import (
    SignatureError,
    check_timestamp,
    hmac_signature,
    load_public_key,
    verify_adobe,
    verify_hmac,
)
from tests.connector_worker.webhook.conftest import RsaPair

BODY = b'{"data": {"order": {"entity_id": 1}}}'


def test_hmac_signature_is_sha256_over_timestamp_dot_body() -> None:
    # The format the Magento sandbox signs with, computed independently here
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert hmac_signature("s3cret", "1700000000", BODY) == f"sha256={expected}"
    verify_hmac("s3cret", "1700000000", f"sha256={expected}", BODY)
    verify_hmac("s3cret", "1700000000", f"SHA256={expected.upper()}", BODY)  # hex case does not matter


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [("other", "1700000000", BODY), ("s3cret", "1700000001", BODY), ("s3cret", "1700000000", BODY + b" ")],
    ids=["secret", "timestamp", "body"],
)
def test_hmac_signature_binds_secret_timestamp_and_body(secret: str, timestamp: str, body: bytes) -> None:
    signature = hmac_signature("s3cret", "1700000000", BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify_hmac(secret, timestamp, signature, body)


def test_a_missing_hmac_signature_is_named() -> None:
    with pytest.raises(SignatureError, match="missing X-Connector-Signature"):
        verify_hmac("s3cret", "1700000000", None, BODY)


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        (None, "missing X-Connector-Timestamp"),
        ("", "missing X-Connector-Timestamp"),
        ("-5", "unix seconds"),
        ("1.5", "unix seconds"),
        ("١٢٣", "unix seconds"),  # Arabic-Indic digits pass str.isdigit but are not a timestamp
        ("9" * 40, "unix seconds"),
        ("999", "tolerance window"),
        ("1000302", "tolerance window"),
    ],
)
def test_timestamps_must_be_recent_unix_seconds(stamp: str | None, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        check_timestamp(stamp, now=1_000_000, tolerance_seconds=300)


def test_timestamps_inside_the_window_pass() -> None:
    for stamp in ("999700", "1000000", "1000300"):
        check_timestamp(stamp, now=1_000_000, tolerance_seconds=300)


def test_adobe_signature_verifies_with_the_public_key(rsa_pair: RsaPair) -> None:
    key = load_public_key(rsa_pair.public_pem)
    # Signed as Adobe's samples verify it: RSA-SHA256 (PKCS#1 v1.5) over the base64 of the raw body
    raw = rsa_pair.private_key.sign(base64.b64encode(BODY), padding.PKCS1v15(), hashes.SHA256())
    verify_adobe(key, base64.b64encode(raw).decode(), BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify_adobe(key, base64.b64encode(raw).decode(), BODY.replace(b"1", b"2"))


@pytest.mark.parametrize(
    ("header", "message"),
    [(None, "missing"), ("", "missing"), ("***", "not valid base64"), ("A" * 9000, "not a valid signature")],
)
def test_adobe_signature_header_problems_are_named(
    rsa_pair: RsaPair, header: str | None, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_adobe(load_public_key(rsa_pair.public_pem), header, BODY)


def test_only_pem_rsa_public_keys_are_accepted(rsa_pair: RsaPair) -> None:
    with pytest.raises(ValueError, match="not a PEM public key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="must be an RSA public key"):
        load_public_key(ec_pem.decode())
    assert load_public_key("\n  " + rsa_pair.public_pem + "\n").key_size == 2048
