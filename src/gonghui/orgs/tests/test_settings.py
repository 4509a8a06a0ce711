"""Production settings come from the environment, refuse to start without their secrets, and pass
Django's deployment checklist."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SRC = Path(__file__).resolve().parents[3]


def production_env(tmp_path, **overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GONGHUI_", "DJANGO_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="gonghui.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        GONGHUI_PII_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        ALLOWED_HOSTS="gonghui.funing.example.cn",
        GONGHUI_DATA_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(SRC),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(args, env, cwd):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def read_settings(tmp_path, expression, **overrides):
    code = f"import gonghui.settings as s; print({expression})"
    result = run_python(["-c", code], production_env(tmp_path, **overrides), tmp_path)
    return result


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_python(
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path), tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """`gonghui serve` collects static files into hashed names; one broken reference stops it."""
    result = run_python(["-m", "django", "collectstatic", "--noinput"], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "var" / "static" / "staticfiles.json").exists()


def test_missing_secret_key_stops_the_start(tmp_path):
    result = read_settings(tmp_path, "s.SECRET_KEY", SECRET_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_missing_pii_key_stops_the_start(tmp_path):
    result = read_settings(tmp_path, "s.PII_KEY", GONGHUI_PII_KEY=None)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "GONGHUI_PII_KEY" in result.stderr


def test_an_empty_secret_counts_as_missing(tmp_path):
    result = read_settings(tmp_path, "s.SECRET_KEY", SECRET_KEY="")
    assert "ImproperlyConfigured" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    assert read_settings(tmp_path, "s.DEBUG").stdout.strip() == "False"
    assert read_settings(tmp_path, "s.DEBUG", GONGHUI_DEBUG="1").stdout.strip() == "True"


def test_hosts_and_database_come_from_the_environment(tmp_path):
    result = read_settings(
        tmp_path,
        "s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']",
        ALLOWED_HOSTS="a.example.cn, b.example.cn",
        DATABASE_URL="postgres://gonghui@db.internal:5432/gonghui",
    )
    assert result.stdout.strip() == (
        "['a.example.cn', 'b.example.cn'] django.db.backends.postgresql gonghui"
    ), result.stderr


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    result = read_settings(
        tmp_path,
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS",
    )
    assert result.stdout.strip() == "True True True 31536000"


def test_a_malformed_pii_key_is_refused_when_used():
    from gonghui.core import pii

    with pytest.raises(ImproperlyConfigured):
        pii._keys(base64.urlsafe_b64encode(b"too short").decode())
    with pytest.raises(ImproperlyConfigured):
        pii._keys("not base64 at all !!!")


def test_the_test_suite_runs_on_the_dev_settings_with_fixed_keys():
    from django.conf import settings

    assert settings.SETTINGS_MODULE == "gonghui.settings_dev"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
