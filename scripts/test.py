"""`make test`: make sure PostgreSQL and Redis answer, then lint, check migrations, run pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from services import ROOT, ensure_postgres, ensure_redis, log


def run(cmd: list[str], env: dict[str, str]) -> None:
    log("$ " + " ".join(cmd))
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def main(argv: list[str]) -> None:
    started = time.monotonic()
    env = dict(os.environ)
    env["DATABASE_URL"] = ensure_postgres(prefer_embedded=False)
    redis_url = ensure_redis()
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env["HELPDESK_NO_REDIS"] = "1"
        log("WARNING: no Redis could be had: tests that need Redis will be SKIPPED")
    env.setdefault("DEBUG", "1")
    bin_dir = ROOT / ".venv" / "bin"
    run([str(bin_dir / "ruff"), "check", "."], env)
    run([str(bin_dir / "lint-imports")], env)
    run([str(bin_dir / "python"), "manage.py", "makemigrations", "--check", "--dry-run"], env)
    pytest_args = ["--create-db"] if os.environ.get("CI") else []
    # Two workers: the suite is mostly database round trips and a browser, and it halves the time.
    pytest_args += ["-n", os.environ.get("PYTEST_WORKERS", "2")]
    env["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings_test"
    run([str(bin_dir / "python"), "-m", "pytest", *pytest_args, *argv], env)
    log(f"make test took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
