"""Webhook signature primitives: HMAC-SHA256 hex and base64, verification, JSON encodings."""

from __future__ import annotations

import base64
import hashlib
import hmac

from sim.core.signing import canonical_json, compact_json, hmac_base64, hmac_hex, verify_hex


def test_hmac_hex_is_lowercase_hex_hmac_sha256_of_the_raw_body():
    body = b'{"event":"x"}'
    assert hmac_hex("whsec", body) == hmac.new(b"whsec", body, hashlib.sha256).hexdigest()


def test_hmac_base64_is_base64_of_the_digest():
    body = b"payload"
    assert hmac_base64("k", body) == base64.b64encode(hmac.new(b"k", body, hashlib.sha256).digest()).decode()


def test_verify_hex_accepts_with_or_without_the_sha256_prefix():
    body = b"payload"
    sig = hmac_hex("k", body)
    assert verify_hex("k", body, sig)
    assert verify_hex("k", body, "sha256=" + sig)
    assert not verify_hex("k", body + b" ", sig)
    assert not verify_hex("other", body, sig)


def test_compact_json_keeps_key_order_and_utf8():
    assert compact_json({"b": 1, "a": "é"}) == '{"b":1,"a":"é"}'.encode()


def test_canonical_json_sorts_keys_at_every_level():
    assert canonical_json({"b": {"d": 1, "c": 2}, "a": [{"z": 0, "y": 1}]}) == b'{"a":[{"y":1,"z":0}],"b":{"c":2,"d":1}}'
