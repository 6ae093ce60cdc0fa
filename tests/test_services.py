"""The real services the product runs on: PostgreSQL, and Redis as the Celery broker."""

import os
import uuid

import pytest
from django.conf import settings
from django.db import connection

needs_redis = pytest.mark.skipif(
    bool(os.environ.get("HELPDESK_NO_REDIS")),
    reason="SKIPPED LOUDLY: no Redis could be had on this machine",
)


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@needs_redis
def test_a_message_goes_through_the_redis_broker():
    from kombu import Connection, Exchange, Queue

    name = f"test-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name), routing_key=name, auto_delete=True)
    with Connection(settings.REDIS_URL) as conn:
        producer = conn.Producer()
        producer.publish({"hello": name}, exchange=queue.exchange, routing_key=name,
                         declare=[queue])
        message = queue(conn.channel()).get(no_ack=True)
        assert message is not None and message.payload == {"hello": name}
        queue(conn.channel()).delete()


@needs_redis
def test_the_celery_app_reaches_its_broker():
    from helpdesk.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected
