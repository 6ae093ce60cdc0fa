"""django-helpdesk's staff ticket list over 100,000 open tickets: the other side of bench/queue.py.

Runs inside its own virtualenv (django-helpdesk from PyPI, whatever Django it picks), copied to
and started from `.run/bench-django-helpdesk/` by bench/queue.py. django-helpdesk's package is
named `helpdesk`, like our project: this process never has /work/main on its path. A one-file
Django project (settings, urls and the bench in this module) on its own database, installed the
way django-helpdesk's install notes say (admin, auth, contenttypes, sessions, sites, messages,
staticfiles, humanize, rest_framework, helpdesk; teams mode off, so no pinax-teams).

    python django_helpdesk_side.py DATABASE_URL REQUESTS   -> one JSON object on stdout
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit

OPEN = 100_000
CLOSED = 20_000
QUEUES = 10


def configure(database_url: str) -> None:
    from django.conf import settings

    if settings.configured:
        return
    url = urlsplit(database_url)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only-" + "x" * 40,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="django_helpdesk_side",  # this module (aliased when run as a script)
        SITE_ID=1,
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        HELPDESK_TEAMS_MODE_ENABLED=False,
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": url.path.lstrip("/"),
                "USER": url.username or "postgres",
                "HOST": url.hostname or "127.0.0.1",
                "PORT": url.port or 5432,
                "CONN_MAX_AGE": 60,
            }
        },
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.sites",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django.contrib.humanize",
            "rest_framework",
            "helpdesk",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.debug",
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        STATIC_URL="/static/",
        LOGIN_URL="/helpdesk/login/",
    )


def _urlpatterns() -> list:
    from django.urls import include, path

    return [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]


def ensure_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


TICKETS_SQL = """
INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, status,
    on_hold, description, priority, due_date, secret_key)
SELECT 'Bench ticket ' || g, (%(queues)s::bigint[])[1 + g %% %(nq)s],
       now() - interval '30 days' + g * interval '1 second',
       now() - interval '30 days' + g * interval '1 second',
       'client' || (g %% 10) || '@bench.example',
       CASE WHEN g <= %(open)s THEN 1 + g %% 2 ELSE 4 END,
       false, 'Generated for the bench.', 1 + g %% 5,
       now() - interval '2 days' + random() * interval '12 days',
       md5(g::text)
FROM generate_series(1, %(n)s) g
"""


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from helpdesk.models import Queue, Ticket

    if Ticket.objects.filter(status__in=[1, 2]).count() >= OPEN:
        return
    with transaction.atomic():
        Ticket.objects.all().delete()
        queues = [
            Queue.objects.get_or_create(
                slug=f"q{i}", defaults={"title": f"Queue {i}", "email_address": f"q{i}@x.example"}
            )[0].pk
            for i in range(QUEUES)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                TICKETS_SQL,
                {"queues": queues, "nq": QUEUES, "open": OPEN, "n": OPEN + CLOSED},
            )
        user_model = get_user_model()
        if not user_model.objects.filter(username="agent").exists():
            user_model.objects.create_user("agent", "agent@bench.example", "x", is_staff=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")


def measure(client: object, urls: list[str], requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for i in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(urls[i % len(urls)])
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{urls[i % len(urls)]}: HTTP {response.status_code}")
        times.append(elapsed * 1000)
        queries.append(len(captured))
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "queries": max(queries),
    }


def run(requests: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from helpdesk.query import query_to_base64

    client = Client()
    client.force_login(get_user_model().objects.get(username="agent"))
    # The list page's own default query (open and reopened tickets), as the page embeds it
    # for its datatables request; rows ordered by due date like our queue, 50 a page.
    query = query_to_base64(
        {
            "filtering": {"status__in": [1, 2]},
            "sorting": "due_date",
            "sortreverse": False,
            "search_string": "",
        }  # fmt: skip
    )
    rows = f"/helpdesk/datatables_ticket_list/{query}?draw=1&length=50&order[0][column]=6"
    cases = {
        "list page": ["/helpdesk/tickets/"],
        "rows page 1 (50)": [f"{rows}&start=0"],
        "rows deep pages (50)": [f"{rows}&start={OPEN * k // 21}" for k in range(1, 21)],
    }
    for urls in cases.values():
        measure(client, urls, 3)
    return {name: measure(client, urls, requests) for name, urls in cases.items()}


def main() -> None:
    database_url, requests = sys.argv[1], int(sys.argv[2])
    if any(os.path.abspath(p or ".") == "/work/main" for p in sys.path):
        raise SystemExit("our project is on sys.path: `helpdesk` would be the wrong package")
    ensure_database(database_url)
    configure(database_url)
    import django
    from django.core.management import call_command

    django.setup()
    import helpdesk

    globals()["urlpatterns"] = _urlpatterns()

    call_command("migrate", verbosity=0)
    seed()
    result = run(requests)
    result["_version"] = getattr(helpdesk, "__version__", "") or _dist_version()
    print(json.dumps(result))


def _dist_version() -> str:
    from importlib.metadata import version

    return f"django-helpdesk {version('django-helpdesk')}, Django {version('django')}"


if __name__ == "__main__":
    sys.modules.setdefault("django_helpdesk_side", sys.modules[__name__])
    main()
