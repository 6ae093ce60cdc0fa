"""`make run`: database, broker, migrations, demo data, then web + worker + beat together.

One process group: Ctrl-C stops the web server, the worker with its beat, and the embedded
PostgreSQL this script started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from services import ROOT, RUN_DIR, ensure_postgres, log


def main() -> None:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env["DATABASE_URL"] = ensure_postgres(prefer_embedded=True)
    if "CELERY_BROKER_URL" not in env:
        broker = RUN_DIR / "broker"
        for sub in ("queue", "processed", "control"):
            (broker / sub).mkdir(parents=True, exist_ok=True)
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_FILESYSTEM_BROKER_DIR"] = str(broker)
        log("embedded broker: kombu filesystem transport under .run/broker")
    python = str(ROOT / ".venv" / "bin" / "python")
    port = env.get("PORT", "8000")
    for step in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run([python, "manage.py", *step], cwd=ROOT, env=env, check=True)

    domain = env.get("HELPDESK_DOMAIN", "localhost")
    print("\nTenants (every demo password is `demo`):")
    for slug in ("bitcraft", "bytez", "ionetech", "cloudops"):
        print(f"  http://{slug}.{domain}:{port}/   admin@{slug}.example, agent1@{slug}.example")
    print("  clients: client@standard.bytez.example, client@premium.bytez.example, "
          "admin@enterprise.cloudops.example, ...\n", flush=True)

    children = [
        subprocess.Popen(
            [python, "manage.py", "runserver", f"0.0.0.0:{port}"], cwd=ROOT, env=env
        ),
        subprocess.Popen(
            [python, "-m", "celery", "-A", "helpdesk", "worker", "--beat", "--loglevel=INFO",
             "--concurrency=2", "--schedule", str(RUN_DIR / "celerybeat-schedule")],
            cwd=ROOT,
            env=env,
        ),
    ]

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        log("stopped")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    log("a process exited; stopping the others")
    stop()


if __name__ == "__main__":
    main()
