"""Settings read from the environment, with secure defaults when DEBUG is off."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _settings(env: dict[str, str], tmp_path) -> dict[str, object]:
    code = (
        "import json, stageflow.settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'session_secure': s.SESSION_COOKIE_SECURE,"
        "'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
        "'hosts': s.ALLOWED_HOSTS, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "DATABASE_URL", "STAGEFLOW_INSECURE_HTTP", "REDIS_URL"}}
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, env={**clean, "STAGEFLOW_DATA_DIR": str(tmp_path), **env})
    return json.loads(result.stdout)


def test_defaults_are_secure_and_use_sqlite_in_the_data_dir(tmp_path):
    settings = _settings({}, tmp_path)

    assert settings["debug"] is False
    assert settings["session_secure"] is True
    assert settings["csrf_secure"] is True
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(tmp_path / "stageflow.sqlite3")
    assert (tmp_path / "secret_key").exists()


def test_environment_overrides(tmp_path):
    settings = _settings({"DATABASE_URL": "postgres://u:p@db.example:5432/sf",
                          "ALLOWED_HOSTS": "crm.example.com, www.example.com",
                          "SECURE_HSTS_SECONDS": "31536000",
                          "REDIS_URL": "redis://127.0.0.1:6379/1"}, tmp_path)

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "sf"
    assert settings["hosts"] == ["crm.example.com", "www.example.com"]
    assert settings["hsts"] == 31536000
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_sqlite_connections_cache_pages_and_read_through_a_memory_map(tmp_path):
    """SQLite's default 2 MiB page cache re-reads a 100k-record list from the system on every
    request; the settings give each connection 64 MiB and a memory map."""
    code = ("import django, json; django.setup(); from django.db import connection;"
            "c = connection.cursor(); pragmas = {}\n"
            "for name in ('cache_size', 'mmap_size', 'journal_mode', 'foreign_keys'):\n"
            "    c.execute('PRAGMA ' + name); pragmas[name] = c.fetchone()[0]\n"
            "print(json.dumps(pragmas))")
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, env={**clean, "STAGEFLOW_DATA_DIR": str(tmp_path),
                                            "DJANGO_SETTINGS_MODULE": "stageflow.settings"})

    assert json.loads(result.stdout) == {"cache_size": -65536, "mmap_size": 1073741824,
                                         "journal_mode": "wal", "foreign_keys": 1}
