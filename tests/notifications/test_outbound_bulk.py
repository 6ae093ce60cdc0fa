"""The outbox's bulk path (the breach scan notifies thousands at once): the same texts as one
rendering per context, the same rows as `notification_send`, queued in a few tasks."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.outbound import services
from notifications.outbound.models import Delivery, DeliveryStatus, Notification

ESCALATION_KINDS = [
    "escalation_opened", "escalation_climbed", "escalation_acknowledged", "escalation_reminder",
    "escalation_reassigned", "escalation_deescalated", "escalation_resolved",
]  # fmt: skip
TEXT_KEYS = [
    "reference", "ticket_subject", "customer", "source", "level_name", "reason", "outcome",
    "acknowledge_by", "actor",
]  # fmt: skip
# What people and mail put in these fields: markup, quotes, ampersands, line breaks, non-ASCII,
# long runs, empties, and text that looks like a template or like our own markers.
awkward = st.one_of(
    st.just(""),
    st.text(min_size=1, max_size=60),
    st.sampled_from([
        "<script>alert(1)</script>", "Tom & Jerry's \"ticket\"", "line one\nline two",
        "{{ reference }}", "{% if %}", "\ue000m0X\ue001", "Ünïcödé 漢字", "x" * 400,
    ]),
)  # fmt: skip
context = st.fixed_dictionaries(
    {key: awkward for key in TEXT_KEYS}, optional={"level_number": st.integers(1, 9)}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(ESCALATION_KINDS), contexts=st.lists(context, min_size=1, max_size=6))
def test_rendering_many_gives_each_context_its_own_rendering(kind, contexts):
    expected = [services.notification_render(kind=kind, context=c) for c in contexts]
    assert services.notification_render_many(kind=kind, contexts=contexts) == expected


@pytest.fixture
def filtering_templates(settings, tmp_path):
    """A notification kind whose templates do something to a value: a filter, a comparison."""
    folder = tmp_path / "notifications"
    folder.mkdir()
    (folder / "probe_subject.txt").write_text("{{ reference|upper }}")
    (folder / "probe.txt").write_text(
        '{% if reason == "yes" %}agreed{% else %}{{ reason|truncatechars:12 }}{% endif %}'
    )
    (folder / "probe.html").write_text("<p>{{ reason|linebreaksbr }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(tmp_path), *templates[0].get("DIRS", [])]
    settings.TEMPLATES = templates


def test_a_template_that_transforms_values_is_rendered_context_by_context(filtering_templates):
    contexts = [
        {"reference": "acm-1", "reason": "yes"},
        {"reference": "acm-2", "reason": "a long reason\nover two lines"},
        {"reference": "acm-3", "reason": "no"},
    ]
    rendered = services.notification_render_many(kind="probe", contexts=contexts)
    assert [r.subject for r in rendered] == ["ACM-1", "ACM-2", "ACM-3"]
    assert [r.body for r in rendered] == ["agreed", "a long reas…", "no"]
    assert rendered[1].body_html == "<p>a long reason<br>over two lines</p>"
    assert rendered == [services.notification_render(kind="probe", context=c) for c in contexts]


COMPARED = (
    "tenant_id", "recipient_id", "recipient_email", "kind", "subject", "body", "body_html",
    "link", "topic", "thread_id", "reply_to", "headers", "automatic",
)  # fmt: skip


@pytest.mark.django_db
def test_sending_many_writes_the_rows_sending_one_by_one_writes(tenant, agent, manager):
    rendered = services.Rendered("Escalated: ACM-1", "Body <b>", "<p>Body &lt;b&gt;</p>")
    at = timezone.now()
    one = services.notification_send(
        tenant=tenant, recipients=[agent, manager, "cc@example.com"], kind="escalation_opened",
        subject=rendered.subject, body=rendered.body, body_html=rendered.body_html,
        link="/work/ACM-1/", at=at,
    )  # fmt: skip
    written = services.notification_send_many(messages=[services.Outgoing(
        tenant, (agent, manager, agent, "cc@example.com"), "escalation_opened", rendered,
        "/work/ACM-1/",
    )], at=at)  # fmt: skip
    assert written == 3  # the repeated recipient once
    many = Notification.objects.exclude(pk__in=[n.pk for n in one])

    def rows(notifications):
        return sorted(
            (repr(tuple(getattr(n, f) for f in COMPARED)), sorted(
                (d.transport, d.status, d.address, bool(d.message_id), d.sent_at is None)
                for d in n.deliveries.all()
            ))
            for n in notifications
        )  # fmt: skip

    assert rows(many) == rows(Notification.objects.filter(pk__in=[n.pk for n in one]))
    emails = Delivery.objects.filter(notification__in=many, transport="email")
    # Each email row has its address and its own stable Message-ID before any attempt.
    assert {d.address for d in emails} == {"agent@acme.example", "manager@acme.example",
                                           "cc@example.com"}  # fmt: skip
    assert len({d.message_id for d in emails}) == 3
    assert all(d.message_id.startswith(f"<hd.{tenant.pk}.0.") for d in emails)


@pytest.mark.django_db
def test_an_inactive_member_gets_nothing_from_the_bulk_path(tenant, agent, manager):
    manager.is_active = False
    manager.save()
    rendered = services.Rendered("S", "B", "")
    written = services.notification_send_many(
        messages=[services.Outgoing(tenant, (agent, manager), "escalation_opened", rendered)],
        at=timezone.now(),
    )
    assert written == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [agent.pk]


@pytest.mark.django_db(transaction=True)
def test_queued_deliveries_go_out_in_a_few_tasks_each_once(tenant, agent, monkeypatch, mailoutbox):
    sent_tasks = []
    original = services._enqueue

    def spy(pending):
        sent_tasks.append(len(pending))
        original(pending)

    monkeypatch.setattr(services, "QUEUE_CHUNK", 2)
    monkeypatch.setattr(services, "_enqueue", spy)
    rendered = services.Rendered("Escalated", "Body", "")
    addresses = [f"person{i}@example.com" for i in range(5)]
    with transaction.atomic():
        services.notification_send_many(
            messages=[services.Outgoing(tenant, tuple(addresses), "escalation_opened", rendered)],
            at=timezone.now(),
        )
    assert sent_tasks == [5]  # one hand-off after commit (three tasks of at most two ids)
    assert sorted(m.to[0] for m in mailoutbox) == addresses
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # The retry sweep finds nothing left: nothing is sent twice.
    assert services.deliveries_retry_due_cross_tenant(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(mailoutbox) == 5
