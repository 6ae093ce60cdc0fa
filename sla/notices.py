"""Telling clients what the policy promises to tell them: maintenance windows (announced at
least the window's notice ahead, again when an occurrence moves or the window is cancelled)
and scheduled policy versions (announced when published).

Exactly once: each notice is a row under a unique constraint (MaintenanceNotice,
PolicyChangeNotice), inserted with ON CONFLICT DO NOTHING ... RETURNING in the same
transaction as the notification rows. Of two scans racing, the second waits on the first's
index entry and inserts nothing, so it sends nothing. The notifications are written
transport-agnostically (notification_send_template): the email transport delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.outbound.services import notification_send_template
from tenants.models import Customer, Membership
from tenants.roles import CLIENT_ROLES, Role

from .maintenance import Occurrence, WindowRule, occurrences
from .models import (
    MaintenanceNotice,
    MaintenanceWindow,
    NoticeKind,
    PolicyChangeNotice,
    SupportPolicy,
)

if TYPE_CHECKING:
    from tenants.models import Tenant

# Occurrences are announced from this long before their promised notice: a scan every few
# minutes then always tells clients at least the notice ahead, with a day to spare if the
# beat or the mail is down for a while.
ANNOUNCE_AHEAD = timedelta(hours=24)


# --------------------------------------------------------------------------- recipients


def maintenance_recipients(*, tenant: Tenant) -> list[Membership]:
    """Every active client user (client admins and support contacts included) of every
    customer: maintenance affects them all."""
    return list(
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True, role__in=sorted(CLIENT_ROLES), customer__isnull=False)
        .select_related("user", "customer")
        .order_by("pk")
    )


def policy_change_recipients(*, tenant: Tenant, policy: SupportPolicy) -> list[Membership]:
    """Client admins and named support contacts of the plan's customers."""
    customers = Customer.objects.for_tenant(tenant).filter(plan_id=policy.plan_id)
    contacts = set()
    for primary, secondary in customers.values_list("primary_contact_id", "secondary_contact_id"):
        contacts.update(c for c in (primary, secondary) if c)
    return list(
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True, customer__plan_id=policy.plan_id)
        .filter(Q(role=Role.CLIENT_ADMIN) | Q(pk__in=contacts))
        .select_related("user", "customer")
        .order_by("pk")
    )


# --------------------------------------------------------------------------- inserting once


def _insert_notices(
    *, tenant: Tenant, window: MaintenanceWindow, occurrence: Occurrence, kind: str,
    recipient_ids: Sequence[int], at: datetime,
) -> list[int]:  # fmt: skip
    """Insert one notice per recipient; the ids of those inserted now (not before)."""
    if not recipient_ids:
        return []
    table = MaintenanceNotice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, window_id, occurrence_start, occurrence_end, "  # noqa: S608
            "recipient_id, kind, emergency, sent_at) "
            "SELECT %s, %s, %s, %s, r, %s, %s, %s FROM unnest(%s::bigint[]) AS r "
            "ON CONFLICT DO NOTHING RETURNING recipient_id",
            [tenant.pk, window.pk, occurrence.start, occurrence.end, kind, window.emergency, at,
             list(recipient_ids)],
        )  # fmt: skip
        return [row[0] for row in cursor.fetchall()]


@dataclass
class ScanResult:
    announced: int = 0
    moved: int = 0
    cancelled: int = 0


def _local_text(instant: datetime, zone: str) -> str:
    """Formatted here, in the window's zone: template date filters would convert it back to
    the server's zone."""
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M}"


def _context(window: MaintenanceWindow, occurrence: Occurrence, **extra: Any) -> dict[str, Any]:
    return {
        "window": window,
        "start_text": _local_text(occurrence.start, window.time_zone),
        "end_text": _local_text(occurrence.end, window.time_zone),
        "start": occurrence.start,
        "end": occurrence.end,
        "services": window.services,
        **extra,
    }


def _send(
    *, tenant: Tenant, kind: str, members: dict[int, Membership], ids: list[int],
    context: dict[str, Any], at: datetime,
) -> None:  # fmt: skip
    recipients = [members[i] for i in ids if i in members]
    if recipients:
        notification_send_template(tenant=tenant, recipients=recipients, kind=kind,
                                   context={"tenant": tenant, **context}, link="/tickets/",
                                   at=at)  # fmt: skip


def _announced(tenant: Tenant, window: MaintenanceWindow, now: datetime) -> dict:
    """Occurrences announced (and still ahead or running) -> the ids told."""
    rows = (
        MaintenanceNotice.objects.for_tenant(tenant)
        .filter(window=window, kind=NoticeKind.ANNOUNCED, occurrence_end__gt=now)
        .values_list("occurrence_start", "occurrence_end", "recipient_id")
    )
    found: dict[tuple[datetime, datetime], list[int]] = {}
    for start, end, recipient in rows:
        found.setdefault((start, end), []).append(recipient)
    return found


def maintenance_notices_scan(*, tenant: Tenant, now: datetime | None = None) -> ScanResult:
    """Announce occurrences due to be announced; tell those already told about an occurrence
    that no longer exists (moved) or a window cancelled. Safe to run any number of times,
    concurrently: each (window, occurrence, recipient, kind) is sent once."""
    now = now or timezone.now()
    result = ScanResult()
    windows = list(MaintenanceWindow.objects.for_tenant(tenant).order_by("pk"))
    if not windows:
        return result
    members = {m.pk: m for m in maintenance_recipients(tenant=tenant)}
    for window in windows:
        with transaction.atomic():
            _scan_window(tenant, window, members, now, result)
    return result


def _scan_window(
    tenant: Tenant, window: MaintenanceWindow, members: dict[int, Membership], now: datetime,
    result: ScanResult,
) -> None:  # fmt: skip
    rule = WindowRule.of(window)
    announced = _announced(tenant, window, now)
    if window.cancelled_at is not None:
        for (start, end), told in announced.items():
            occurrence = Occurrence(start, end)
            ids = _insert_notices(tenant=tenant, window=window, occurrence=occurrence,
                                  kind=NoticeKind.CANCELLED, recipient_ids=told, at=now)
            _send(tenant=tenant, kind="maintenance_cancelled", members=members, ids=ids,
                  context=_context(window, occurrence), at=now)  # fmt: skip
            result.cancelled += len(ids)
        return
    horizon = now + timedelta(hours=window.notice_hours) + ANNOUNCE_AHEAD
    latest = max((end for _, end in announced), default=horizon)
    current = occurrences(rule, now, max(horizon, latest + timedelta(seconds=1)))
    current_spans = {(o.start, o.end) for o in current}
    upcoming = [o for o in current if o.start < horizon]
    # Moved: an occurrence clients were told about is no longer in the schedule. The notice
    # names the window's next occurrences (announced in turn when they come into range).
    for (start, end), told in announced.items():
        if (start, end) in current_spans:
            continue
        occurrence = Occurrence(start, end)
        ids = _insert_notices(tenant=tenant, window=window, occurrence=occurrence,
                              kind=NoticeKind.MOVED, recipient_ids=told, at=now)  # fmt: skip
        _send(tenant=tenant, kind="maintenance_moved", members=members, ids=ids,
              context=_context(window, occurrence, next_occurrences=[
                  _context(window, o) for o in current[:3]]), at=now)  # fmt: skip
        result.moved += len(ids)
    for occurrence in upcoming:
        ids = _insert_notices(tenant=tenant, window=window, occurrence=occurrence,
                              kind=NoticeKind.ANNOUNCED, recipient_ids=list(members), at=now)
        short = occurrence.start - now < timedelta(hours=window.notice_hours)
        _send(tenant=tenant, kind="maintenance_announced", members=members, ids=ids,
              context=_context(window, occurrence, short_notice=short), at=now)  # fmt: skip
        result.announced += len(ids)


# --------------------------------------------------------------------------- the banner


@dataclass(frozen=True)
class Banner:
    window: MaintenanceWindow
    occurrence: Occurrence
    during: bool

    @property
    def start_text(self) -> str:
        return _local_text(self.occurrence.start, self.window.time_zone)

    @property
    def end_text(self) -> str:
        return _local_text(self.occurrence.end, self.window.time_zone)


BANNER_CACHE_SECONDS = 60


def _banner_cache_key(tenant: Tenant) -> str:
    # created_at too: a test database reusing a tenant id never reads another run's rows.
    return f"sla:maintenance-windows:{tenant.pk}:{tenant.created_at.timestamp()}"


def maintenance_cache_clear(*, tenant: Tenant) -> None:
    """After a window changes (on commit): the next page reads the windows again."""
    key = _banner_cache_key(tenant)
    transaction.on_commit(lambda: cache.delete(key))


def maintenance_banners(*, tenant: Tenant, now: datetime | None = None) -> list[Banner]:
    """Windows running now, or starting within their notice period. The tenant's windows are
    read with one query and kept in the cache for a minute (cleared when one is saved): most
    portal pages cost no query for the banner."""
    now = now or timezone.now()
    found: list[Banner] = []
    key = _banner_cache_key(tenant)
    windows = cache.get(key)
    if windows is None:
        windows = list(
            MaintenanceWindow.objects.for_tenant(tenant).filter(cancelled_at__isnull=True)
        )
        cache.set(key, windows, BANNER_CACHE_SECONDS)
    for window in windows:
        ahead = now + timedelta(hours=max(window.notice_hours, 1))
        for occurrence in occurrences(WindowRule.of(window), now, ahead)[:1]:
            found.append(Banner(window, occurrence, during=occurrence.start <= now))
    found.sort(key=lambda b: (not b.during, b.occurrence.start))
    return found


# --------------------------------------------------------------------------- policy versions


def policy_change_announce(
    *, tenant: Tenant, policy: SupportPolicy, at: datetime | None = None
) -> int:
    """Email the plan's client admins and support contacts about a scheduled version, once
    per version and person (run again: nobody is told twice). In the caller's transaction."""
    at = at or timezone.now()
    recipients = {m.pk: m for m in policy_change_recipients(tenant=tenant, policy=policy)}
    if not recipients:
        return 0
    table = PolicyChangeNotice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, policy_id, recipient_id, sent_at) "  # noqa: S608
            "SELECT %s, %s, r, %s FROM unnest(%s::bigint[]) AS r "
            "ON CONFLICT DO NOTHING RETURNING recipient_id",
            [tenant.pk, policy.pk, at, list(recipients)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    from .models import PolicyNoticeOverride

    override = PolicyNoticeOverride.objects.for_tenant(tenant).filter(policy=policy).first()
    context = {
        "policy": policy,
        "plan": policy.plan,
        "effective_text": f"{_local_text(policy.effective_from, tenant.time_zone)} "
        f"({tenant.time_zone})",
        "override": override,
    }
    recipients_now = [recipients[i] for i in ids]
    if recipients_now:
        notification_send_template(tenant=tenant, recipients=recipients_now,
                                   kind="policy_change_announced",
                                   context={"tenant": tenant, **context}, link="/policy/",
                                   at=at)  # fmt: skip
    return len(recipients_now)
