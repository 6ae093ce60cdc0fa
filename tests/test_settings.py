import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "HELPDESK_TESTING",
                                                            "SECRET_KEY")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import helpdesk.settings"],
        cwd=ROOT, env=clean, capture_output=True, text=True, check=False,
    )


def test_production_refuses_the_default_secret_key():
    result = _import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_a_bad_boolean_is_a_loud_error():
    result = _import_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "is not a boolean" in result.stderr


def test_only_postgresql_is_accepted():
    result = _import_settings(DEBUG="1", DATABASE_URL="sqlite:///x.db")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr
