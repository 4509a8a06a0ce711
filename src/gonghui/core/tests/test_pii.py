"""core.pii: AES-GCM encryption with a key from the environment and a keyed lookup hash."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from gonghui.core import pii

OTHER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_encryption_round_trips_and_is_randomised():
    a, b = pii.encrypt("320923199001011234"), pii.encrypt("320923199001011234")
    assert a != b
    assert a.startswith("v1:")
    assert pii.decrypt(a) == pii.decrypt(b) == "320923199001011234"


def test_a_tampered_ciphertext_is_refused():
    stored = pii.encrypt("13812345678")
    raw = bytearray(base64.urlsafe_b64decode(stored[3:]))
    raw[-1] ^= 1
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        pii.decrypt("v1:" + base64.urlsafe_b64encode(bytes(raw)).decode())


def test_a_value_that_was_never_encrypted_is_not_silently_returned():
    with pytest.raises(ValueError):
        pii.decrypt("320923199001011234")


def test_the_blind_index_normalises_case_and_blanks_and_depends_on_the_key():
    assert pii.blind_index(" 32092319900101123x ") == pii.blind_index("32092319900101123X")
    with override_settings(PII_KEY=OTHER_KEY):
        other = pii.blind_index("32092319900101123X")
    assert other != pii.blind_index("32092319900101123X")


def test_encryption_and_lookup_use_different_derived_keys():
    aead, index_key = pii._keys(OTHER_KEY)
    assert index_key != base64.urlsafe_b64decode(OTHER_KEY)
    assert len(index_key) == 32


@pytest.mark.parametrize("bad", ["", "c2hvcnQ=", "!!!not-base64!!!"])
def test_a_malformed_key_is_a_configuration_error(bad):
    with pytest.raises(ImproperlyConfigured):
        pii._keys(bad)


def test_the_field_leaves_empty_values_alone():
    field = pii.EncryptedCharField()
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, None) == ""
