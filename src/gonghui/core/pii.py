"""Personal data at rest (PIPL): AES-256-GCM encryption and keyed hashes for exact look-up.

The key comes from the environment (GONGHUI_PII_KEY, 32 bytes, base64). Encryption is randomised,
so equal values give different ciphertexts; finding a person by ID number goes through an
HMAC-SHA256 "blind index" under a key derived from the same secret, never through decryption.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret: str):
    try:
        raw = base64.urlsafe_b64decode(secret.encode())
    except Exception as exc:  # noqa: BLE001
        raise ImproperlyConfigured("GONGHUI_PII_KEY must be 32 bytes in base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("GONGHUI_PII_KEY must be 32 bytes in base64")
    enc = hmac.new(raw, b"gonghui-pii-encryption", hashlib.sha256).digest()
    idx = hmac.new(raw, b"gonghui-pii-blind-index", hashlib.sha256).digest()
    return AESGCM(enc), idx


def encrypt(plaintext: str) -> str:
    aead, _ = _keys(settings.PII_KEY)
    nonce = os.urandom(12)
    token = aead.encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + token).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    aead, _ = _keys(settings.PII_KEY)
    blob = base64.urlsafe_b64decode(stored[len(_PREFIX) :].encode())
    return aead.decrypt(blob[:12], blob[12:], None).decode()


def blind_index(value: str) -> str:
    """Keyed hash of the normalised value, for equality look-ups and uniqueness."""
    _, key = _keys(settings.PII_KEY)
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A text column holding the AES-GCM ciphertext; Python code sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def to_python(self, value):
        return value
