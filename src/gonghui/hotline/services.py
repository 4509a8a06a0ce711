"""Use cases of the hotline: the only code that writes its tables.

Every step of a ticket's life is a function here: permission, jurisdiction, validation, one
transaction, a timeline event and an audit entry. The clocks are computed by `sla.py` and their
deadlines stored on the ticket after each step that moves them.
"""

import contextlib
import contextvars
import datetime as dt
import hashlib
import secrets
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from gonghui.core import audit, services
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import check_in_scope, require_perm
from gonghui.hotline import sla
from gonghui.hotline.models import (
    CallbackLink,
    ExtensionRequest,
    HandlerAvailability,
    MonthlyTheme,
    RateSettings,
    RequestType,
    Ticket,
    TicketEvent,
    TicketSequence,
    TimeLimitRule,
    TopicCategory,
    WarningAlert,
)
from gonghui.orgs.models import Enterprise, UnionOrg

S = Ticket.Status
E = TicketEvent.Kind
CALLBACK_LINK_DAYS = 7


def _now():
    return timezone.now()


# --- time limits -----------------------------------------------------------------------------------


_POLICIES: dict = {}  # the rule rows as read -> the SlaPolicy built from them
# The configured rules are read at most once per POLICY_CACHE_SECONDS in each process: an edit takes
# effect at once in the process that made it (the signals below) and within that time in the others.
POLICY_CACHE_SECONDS = 10
_rules_read: dict = {"at": -1e9, "rows": None}


def forget_policy(**_kwargs):
    _rules_read["at"] = -1e9


for _model in (TimeLimitRule, TopicCategory):
    post_save.connect(
        forget_policy, sender=_model, dispatch_uid=f"hotline-forget-policy-save-{_model.__name__}"
    )
    post_delete.connect(
        forget_policy, sender=_model, dispatch_uid=f"hotline-forget-policy-del-{_model.__name__}"
    )


class _Policy(sla.SlaPolicy):
    """An SlaPolicy that remembers the limits of each (request type, topic, priority) asked for:
    its rules never change (policy() builds a new one when the configured rules do), and intake
    asks for the same few combinations all day."""

    def __init__(self, rules):
        super().__init__(rules)
        self._limits = {}

    def limits_for(self, request_type=None, topic=None, priority=None):
        key = (request_type, topic, priority)
        limits = self._limits.get(key)
        if limits is None:
            if len(self._limits) > 4096:
                self._limits.clear()
            limits = self._limits[key] = super().limits_for(request_type, topic, priority)
        return dict(limits)  # the caller may replace a clock's limit (an approved extension)


def policy():
    """sla.py's defaults, overridden by the limits the county federation configured (later rules win ties).

    The configured rules are read as plain rows in the order the model sorts them (at most once per
    POLICY_CACHE_SECONDS); the SlaPolicy built from the same rows is reused."""
    now = time.monotonic()
    if now - _rules_read["at"] < POLICY_CACHE_SECONDS:
        return _POLICIES[_rules_read["rows"]]
    table, topics, unions = (
        TimeLimitRule._meta.db_table,
        TopicCategory._meta.db_table,
        UnionOrg._meta.db_table,
    )
    sql = (
        f"SELECT r.clock, r.amount, r.unit, r.request_type, tp.path, r.priority FROM {table} r"
        f" INNER JOIN {unions} o ON o.id = r.owner_id LEFT JOIN {topics} tp ON tp.id = r.topic_id"
        " WHERE o.kind = %s ORDER BY r.clock, r.request_type, r.priority, r.id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [UnionOrg.Kind.COUNTY_FEDERATION])
        rows = tuple(tuple(row) for row in cur.fetchall())
    pol = _POLICIES.get(rows)
    if pol is None:
        configured = []
        for clock, amount, unit, request_type, topic_path, priority in rows:
            rule = {"clock": clock, "amount": float(amount), "unit": unit}  # as TimeLimitRule.as_rule()
            if request_type:
                rule["request_type"] = request_type
            if topic_path is not None:
                rule["topic"] = topic_path
            if priority:
                rule["priority"] = priority
            configured.append(rule)
        pol = _Policy(list(sla.DEFAULT_RULES) + configured)
        if len(_POLICIES) > 32:
            _POLICIES.clear()
        _POLICIES[rows] = pol
    _rules_read.update(at=now, rows=rows)
    return pol


_CALENDAR_EXTRA: dict = {"recorded": None, "value": None}


def provisional_calendar(years_ahead=3):
    """The working-day calendar beyond the official holiday package: the days the federation has
    recorded from a State Council notice (core.officialdays) win; in a year nobody has recorded,
    Monday–Friday count as working days until the notice is published (instead of failing)."""
    from gonghui.core import holidays as official
    from gonghui.core import officialdays

    recorded = officialdays.overrides()
    if _CALENDAR_EXTRA["recorded"] is not recorded:
        rest, work = set(), set()
        day = dt.date(official.last_package_year() + 1, 1, 1)
        while day.year <= official.last_package_year() + years_ahead:
            (rest if day.weekday() >= 5 else work).add(day)
            day += dt.timedelta(days=1)
        for day, is_workday in recorded.items():
            (work if is_workday else rest).add(day)
            (rest if is_workday else work).discard(day)
        value = {"extra_holidays": frozenset(rest), "extra_workdays": frozenset(work)}
        _CALENDAR_EXTRA.update(recorded=recorded, value=value)
    return _CALENDAR_EXTRA["value"]


_call_policy = contextvars.ContextVar("gonghui_hotline_policy", default=None)


@contextlib.contextmanager
def _one_policy():
    """Within one service call (intake + dispatch, say) the limits are read once, not per step."""
    if _call_policy.get() is not None:
        yield
        return
    token = _call_policy.set(policy())
    try:
        yield
    finally:
        _call_policy.reset(token)


def clocks(ticket, now=None, pol=None):
    return sla.ticket_clocks(
        ticket.sla_record(),
        pol or _call_policy.get() or policy(),
        now=now or _now(),
        calendar_extra=provisional_calendar(),
    )


def _store_clocks(ticket, now=None):
    """Deadlines of the three clocks (the response clock only once dispatched) and the overdue flag."""
    state = clocks(ticket, now)

    def utc(moment):  # stored as the database gives it back, so the audit diff shows real changes
        return moment.astimezone(dt.UTC) if moment is not None else None

    ticket.response_due = utc(state["response"].deadline) if ticket.dispatched_at else None
    ticket.feedback_due = utc(state["feedback"].deadline)
    ticket.resolution_due = utc(state["resolution"].deadline)
    relevant = [state["feedback"], state["resolution"]] + (
        [state["response"]] if ticket.dispatched_at else []
    )
    ticket.overdue = any(c.overdue for c in relevant) and ticket.status not in (S.CLOSED_AT_INTAKE, S.MERGED)
    return state


# --- numbers, lookups ------------------------------------------------------------------------------


def next_number(day=None):
    """The next readable number of a day, e.g. 2026112400017: date + 5-digit sequence.

    The day's counter row is incremented with an UPDATE, which takes its row lock, so concurrent
    intakes queue on it and never get the same number. Outside a transaction the UPDATE … RETURNING
    is one statement committed on its own: the lock is held only while the server runs it, never
    across round trips to the client."""
    return _take_number(day)[0]


def _key_sequence(model):
    """The sequence (PostgreSQL) that numbers `model`'s primary keys, read once per process."""
    name = _SQL.get(("sequence", model))
    if name is None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column]
            )
            name = _SQL[("sequence", model)] = cur.fetchone()[0]
    return name


def _take_number(day=None, key_of=None):
    """(number, key): next_number's number and, with `key_of` (a model, on PostgreSQL), the next
    value of its key sequence taken by the same statement, else None. With the key known, a new
    row is inserted together with the rows that refer to it."""
    day = day or timezone.localdate()
    extra = ""
    if key_of is not None:
        extra = ", nextval('{}'::regclass)".format(_key_sequence(key_of).replace("'", "''"))
    sql = f"UPDATE {TicketSequence._meta.db_table} SET last = last + 1 WHERE day = %s RETURNING last{extra}"
    with connection.cursor() as cur:
        cur.execute(sql, [day])
        row = cur.fetchone()
    if row is None:  # the day's first ticket
        try:
            with transaction.atomic():
                TicketSequence.objects.create(day=day, last=1)
            row = (1,)
            if key_of is not None:
                with connection.cursor() as cur:
                    cur.execute(f"SELECT 1{extra}")
                    row = cur.fetchone()
        except IntegrityError:  # another intake created the row first
            with connection.cursor() as cur:
                cur.execute(sql, [day])
                row = cur.fetchone()
    return f"{day:%Y%m%d}{row[0]:05d}", (row[1] if key_of is not None else None)


def find_enterprises(query, limit=10):
    """Enterprises by exact credit code or by part of the name."""
    query = (query or "").strip()
    if not query:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(Q(credit_code__iexact=query) | Q(name__icontains=query)).select_related(
        "town", "union"
    )[:limit]


def intake_union():
    """Where tickets from the public form are taken in: the top county federation."""
    union = (
        UnionOrg.objects.filter(kind=UnionOrg.Kind.COUNTY_FEDERATION, parent__isnull=True)
        .order_by("pk")
        .first()
    )
    if union is None:
        raise ValidationError("尚未建立县总工会，无法受理网上诉求。")
    return union


def responsible_union(ticket):
    """Dispatch by jurisdiction: the enterprise's union, else the town union of its town."""
    from gonghui.orgs.services import town_union_for

    if ticket.enterprise_id:
        return ticket.enterprise.union
    if ticket.town_id:
        return town_union_for(ticket.town)
    raise ValidationError("请先填写涉及企业或所在镇街，才能按属地派单。")


# --- the two reads of every intake, as plain SQL ---------------------------------------------------
# Building these queries through the ORM cost more CPU than running them (1.0 and 1.8 ms against
# 0.2 ms each): their SQL is written once per process from the models' metadata and the rows are
# turned into model instances the way the ORM does it (Model.from_db, field converters).


def _columns(model, alias):
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def _instance(model, row, start):
    """The instance of `model` whose columns start at `row[start]` (None when its key is NULL)."""
    fields = model._meta.concrete_fields
    values = list(row[start : start + len(fields)])
    if values[fields.index(model._meta.pk)] is None:
        return None
    for i, field in enumerate(fields):
        if values[i] is not None and hasattr(field, "from_db_value"):
            values[i] = field.from_db_value(values[i], None, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


_SQL: dict = {}


def enterprise_for_intake(pk):
    """The enterprise with its town and union (intake reads both), or None."""
    from gonghui.orgs.models import Region

    sql = _SQL.get("enterprise")
    if sql is None:
        sql = _SQL["enterprise"] = (
            f"SELECT {_columns(Enterprise, 'e')}, {_columns(Region, 'r')}, {_columns(UnionOrg, 'u')}"
            f" FROM {Enterprise._meta.db_table} e"
            f' LEFT JOIN {Region._meta.db_table} r ON r."{Region._meta.pk.column}" = e."{Enterprise.town.field.column}"'
            f' LEFT JOIN {UnionOrg._meta.db_table} u ON u."{UnionOrg._meta.pk.column}" = e."{Enterprise.union.field.column}"'
            f' WHERE e."{Enterprise._meta.pk.column}" = %s'
        )
    with connection.cursor() as cur:
        cur.execute(sql, [pk])
        row = cur.fetchone()
    if row is None:
        return None
    enterprise = _instance(Enterprise, row, 0)
    start = len(Enterprise._meta.concrete_fields)
    Enterprise.town.field.set_cached_value(enterprise, _instance(Region, row, start))
    start += len(Region._meta.concrete_fields)
    Enterprise.union.field.set_cached_value(enterprise, _instance(UnionOrg, row, start))
    return enterprise


def pick_handler(union):
    """Least-loaded available handler of `union` (ties: the longest-registered); None if none.

    The load is the handler's open tickets (dispatched, signed, paused) wherever they come from."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    sql = _SQL.get("handler")
    if sql is None:
        avail, tickets = HandlerAvailability._meta.db_table, Ticket._meta.db_table
        statuses = ", ".join(["%s"] * len(Ticket.OPEN_STATUSES))
        sql = _SQL["handler"] = (
            f"SELECT {_columns(user_model, 'u')} FROM {avail} h"
            f" JOIN {user_model._meta.db_table} u ON u.id = h.user_id"
            f" LEFT JOIN {tickets} t ON t.handler_id = h.user_id AND t.status IN ({statuses})"
            " WHERE h.union_id = %s AND h.available"
            " GROUP BY h.id, u.id ORDER BY COUNT(t.id), h.id LIMIT 1"
        )
    with connection.cursor() as cur:
        cur.execute(sql, [*Ticket.OPEN_STATUSES, union.pk])
        row = cur.fetchone()
    return _instance(user_model, row, 0) if row else None


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied(f"没有权限：{perm}")


class _Writes:
    """What a _bulk_writes() block inserts when it ends: its timeline events and, when intake
    has taken the key of its new ticket in advance, that ticket (in the state the block leaves it)."""

    __slots__ = ("events", "ticket")

    def __init__(self):
        self.events, self.ticket = [], None


_pending_writes = contextvars.ContextVar("gonghui_hotline_writes", default=None)


def _event(ticket, kind, user=None, note="", union=None, at=None):
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        at=at or _now(),
        actor=user if getattr(user, "is_authenticated", False) else None,
        union=union,
        note=note[:1000],
    )
    pending = _pending_writes.get()
    if pending is not None:
        pending.events.append(event)  # written by the enclosing _bulk_writes() block
    else:
        event.save(force_insert=True)
    return event


@contextlib.contextmanager
def _bulk_writes():
    """Inside a transaction: the timeline events and audit entries of the block are written in
    one INSERT each when it ends (the limits read once), instead of one INSERT per step.

    Yields the block's _Writes: setting its `ticket` (a new ticket whose key is already taken)
    defers that ticket's INSERT to the same query, which PostgreSQL runs as one transaction."""
    outer = _pending_writes.get()
    if outer is not None:
        yield outer
        return
    writes = _Writes()
    token = _pending_writes.set(writes)

    def write(entries):
        new = [writes.ticket] if writes.ticket is not None else []
        for ticket in new:
            ticket.fill_derived_fields()
        _insert_rows([(Ticket, new), (TicketEvent, writes.events), (AuditEntry, entries)])

    try:
        with audit.bulk(write=write):
            with _one_policy():
                yield writes
    finally:
        _pending_writes.reset(token)


def _written_later(ticket):
    """True for the new ticket a _bulk_writes() block inserts when it ends."""
    pending = _pending_writes.get()
    return pending is not None and pending.ticket is ticket


def _step_transaction(ticket):
    """A step's writes in a transaction (no savepoint: a failure aborts the caller's too), none when
    they are all pending with their new ticket (then one query writes them)."""
    return contextlib.nullcontext() if _written_later(ticket) else transaction.atomic(savepoint=False)


def _insert_rows(groups):
    """Insert new rows, given as [(model, objects)], the way bulk_create does (no signals, no keys
    read back; a key already set is inserted). On PostgreSQL one INSERT … VALUES per model, all
    sent as one query (bulk_create costs a round trip per model, and its UNNEST arrays cost more
    CPU to build than the rows); elsewhere bulk_create."""
    groups = [(model, objs) for model, objs in groups if objs]
    if connection.vendor != "postgresql":
        for model, objs in groups:
            model.objects.bulk_create(objs)
        return
    if not groups:
        return
    from psycopg.adapt import Transformer

    db = connections[connection.alias]  # the backend itself, not the per-thread proxy, for each field
    with db.cursor() as cur:
        # The values are turned into SQL literals here exactly as psycopg's client-side binding
        # does (Transformer.as_literal): with more than 50 parameters psycopg would otherwise parse
        # the whole query for its placeholders again on every call.
        literal = Transformer(cur.cursor).as_literal
        statements = []
        for model, objs in groups:
            with_key = objs[0].pk is not None
            head, fields = _insert_head(model, with_key, db)
            rows = []
            for obj in objs:
                if (obj.pk is not None) != with_key:
                    raise ValueError("rows of one model are inserted all with their keys or all without")
                obj._prepare_related_fields_for_save(operation_name="bulk_create")
                values = []
                for field, none_is_null in fields:
                    value = field.pre_save(obj, True)
                    if value is None and none_is_null:
                        values.append(b"NULL")
                        continue
                    value = field.get_db_prep_save(value, db)
                    values.append(b"NULL" if value is None else literal(value))
                rows.append(b"(" + b", ".join(values) + b")")
                obj._state.adding, obj._state.db = False, db.alias
            statements.append(head + b", ".join(rows))
        cur.execute(b"; ".join(statements).decode(db.connection.info.encoding))


def _insert_head(model, with_key, db):
    """`INSERT INTO table (columns) VALUES ` and its fields (the key's too `with_key`), built once;
    each field with whether it saves None as NULL (checked on the field itself, so a None value
    skips its preparation)."""
    cached = _SQL.get(("insert", model, with_key))
    if cached is None:
        qn = db.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if with_key or not f.primary_key]
        head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
        fields = [(f, f.get_db_prep_save(None, db) is None) for f in fields]
        cached = _SQL[("insert", model, with_key)] = (head.encode(), fields)
    return cached


# Set by the services from objects already checked, not typed in: not re-validated on each step
# (the key only matters for a new ticket whose key was taken from its sequence: unique by construction).
TRUSTED = ["id", "number", "intake_union", "handling_union", "handler", "created_by", "worker", "merged_into"]
TRUSTED += ["source_alert", "callback_by", "topic", "enterprise", "town"]


def _save(user, ticket, before, note=""):
    ticket.full_clean(exclude=TRUSTED)
    if not _written_later(ticket):
        ticket.save()
    changes = audit.diff(before, audit.snapshot(ticket))
    audit.record(user, AuditEntry.Action.UPDATE, ticket, changes=changes, note=note)


def _expect(ticket, *statuses):
    if ticket.status not in statuses:
        raise ValidationError(f"工单当前状态为“{ticket.get_status_display()}”，不能进行此操作。")


def _require_handler(user, ticket):
    """Only the handling union acts on a ticket, and once signed only its handler (or a supervisor)."""
    require_perm(user, Ticket, "change")
    check_in_scope(user, ticket.handling_union)
    if (
        ticket.handler_locked
        and ticket.handler_id
        and ticket.handler_id != user.pk
        and not user.has_perm("hotline.supervise_ticket")
    ):
        raise PermissionDenied(f"该工单已由{ticket.handler}签收办理。")


# --- intake ----------------------------------------------------------------------------------------

INTAKE_FIELDS = (
    "phone",
    "caller_name",
    "anonymous",
    "content",
    "request_type",
    "topic",
    "priority",
    "enterprise",
    "enterprise_name",
    "town",
)


def _new_ticket(data, union, channel, user=None, number=None, save=True):
    now = _now()
    ticket = Ticket(
        **{k: v for k, v in data.items() if k in INTAKE_FIELDS},
        channel=channel,
        intake_union=union,
        handling_union=union,
        created_at=data.get("created_at") or now,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        worker=data.get("worker"),
        source_alert=data.get("source_alert"),
    )
    if ticket.enterprise_id and not ticket.town_id:
        ticket.town = ticket.enterprise.town  # fetched with the enterprise by the API and the form
    if ticket.enterprise_id and not ticket.enterprise_name:
        ticket.enterprise_name = ticket.enterprise.name
    if ticket.anonymous:
        ticket.caller_name = ""
    ticket.number = "0" * 13  # placeholder for validation; the real number is taken in the transaction
    ticket.full_clean(exclude=TRUSTED)  # the related objects come from checked forms / serializers
    ticket.number = number or next_number(timezone.localdate(ticket.created_at))
    _store_clocks(ticket, now)
    if save:
        ticket.save()
    else:
        ticket.topic_path = ticket.topic.path if ticket.topic_id else ""  # as save() sets it
    return ticket


def intake(user, data, *, answered_on_call="", dispatch_now=False):
    """An operator takes a call (or a web request) in. Consultations answered on the call close at once."""
    require_perm(user, Ticket, "add")
    union = user.org if not user.is_superuser or user.org else intake_union()
    check_in_scope(user, union)
    # The number is taken in its own short transaction, so concurrent intakes do not queue on the
    # day's counter for their whole write (a failed intake leaves a gap, never a duplicate).
    day = timezone.localdate(data.get("created_at") or _now())
    channel = data.get("channel") or Ticket.Channel.PHONE
    # Dispatched at once: the ticket is written once (dispatch's save is its INSERT), with the same
    # audit entries and timeline as two steps: created as taken in, then updated by the dispatch.
    # On PostgreSQL its key is taken with its number, and the ticket, its timeline and its audit
    # entries are sent as one query, which PostgreSQL runs as one transaction: no BEGIN and COMMIT.
    once = dispatch_now and not answered_on_call
    number, key = _take_number(day, Ticket if once and connection.vendor == "postgresql" else None)
    with contextlib.nullcontext() if key is not None else transaction.atomic(), _bulk_writes() as writes:
        ticket = _new_ticket(data, union, channel, user, number, save=not once)
        if key is not None:
            ticket.pk, writes.ticket = key, ticket
        created = audit.snapshot(ticket)  # also the state dispatch starts from
        entry = audit.record(user, AuditEntry.Action.CREATE, ticket, changes=audit.diff({}, created))
        _event(ticket, E.INTAKE, user, union=union)
        if answered_on_call:
            close_at_intake(user, ticket, answered_on_call)
        elif dispatch_now:
            dispatch(user, ticket, before=created)
        if once and key is None:  # the entry (pending in _bulk_writes) was made before the ticket had its key
            entry.object_id = str(ticket.pk)
    return ticket


def public_intake(data, *, worker=None):
    """A worker files a request through the public web form (anti-spam checks are the view's job)."""
    union = intake_union()
    data = dict(data, worker=worker)
    number = next_number()
    with transaction.atomic(), _bulk_writes():
        ticket = _new_ticket(data, union, Ticket.Channel.WEB, worker, number)
        audit.record(worker, AuditEntry.Action.CREATE, ticket, note="网上诉求")
        _event(ticket, E.INTAKE, worker, note="职工网上提交", union=union)
    return ticket


def close_at_intake(user, ticket, answer):
    require_perm(user, Ticket, "change")
    check_in_scope(user, ticket.handling_union)
    _expect(ticket, S.INTAKE)
    if ticket.request_type != RequestType.CONSULT:
        raise ValidationError("只有问题咨询类诉求可以当场办结，其他诉求须派单办理。")
    if not answer.strip():
        raise ValidationError({"intake_answer": "请填写当场答复的内容。"})
    with transaction.atomic(savepoint=False):
        before = audit.snapshot(ticket)
        now = _now()
        ticket.intake_answer = answer.strip()
        ticket.status = S.CLOSED_AT_INTAKE
        ticket.first_feedback_at = ticket.first_feedback_at or now
        ticket.resolved_at = now
        ticket.closed_at = now
        _store_clocks(ticket, now)
        _save(user, ticket, before, "当场办结")
        _event(ticket, E.CLOSE_AT_INTAKE, user, answer)
    return ticket


def update_ticket(user, ticket, data):
    """Correct the intake data (not the life-cycle fields); clocks follow a changed type or priority."""
    data = {k: v for k, v in data.items() if k in INTAKE_FIELDS}

    def after(obj):
        _store_clocks(obj)
        Ticket.objects.filter(pk=obj.pk).update(
            response_due=obj.response_due,
            feedback_due=obj.feedback_due,
            resolution_due=obj.resolution_due,
            overdue=obj.overdue,
            topic_path=obj.topic.path if obj.topic_id else "",
        )

    return services.update_object(user, ticket, data, after_save=after)


def delete_ticket(user, ticket):
    services.delete_object(user, ticket)


# --- dispatch, return, sign ------------------------------------------------------------------------


def dispatch(user, ticket, union=None, note="", *, before=None):
    """派单: to the union responsible by jurisdiction (or one chosen inside the user's scope).

    `before`: the ticket's audit snapshot, when the caller has just taken it (intake)."""
    require_perm(user, Ticket, "change")
    check_in_scope(user, ticket.handling_union)
    _expect(ticket, S.INTAKE, S.RETURNED)
    union = union or responsible_union(ticket)
    check_in_scope(user, union)
    # no savepoint inside intake's transaction: a failure there aborts the whole intake anyway
    with _step_transaction(ticket):
        if before is None:
            before = audit.snapshot(ticket)
        now = _now()
        ticket.handling_union = union
        ticket.dispatched_at = now
        ticket.signed_at = None
        ticket.handler = pick_handler(union)
        ticket.handler_locked = False
        ticket.return_reason = ""
        ticket.status = S.DISPATCHED
        _store_clocks(ticket, now)
        _save(user, ticket, before, f"派单至{union}")
        _event(ticket, E.DISPATCH, user, note or f"派至{union}", union=union)
    return ticket


def return_ticket(user, ticket, reason):
    """退单: a wrong dispatch goes back to the intake union with a reason, for re-dispatch."""
    _require_handler(user, ticket)
    _expect(ticket, S.DISPATCHED, S.SIGNED)
    if not (reason or "").strip():
        raise ValidationError({"return_reason": "退单须说明理由。"})
    with transaction.atomic():
        before = audit.snapshot(ticket)
        from_union = ticket.handling_union
        ticket.return_reason = reason.strip()[:500]
        ticket.handling_union = ticket.intake_union
        ticket.handler = None
        ticket.handler_locked = False
        ticket.status = S.RETURNED
        _save(user, ticket, before, "退单")
        _event(ticket, E.RETURN, user, reason, union=from_union)
    return ticket


def sign(user, ticket):
    """签收: the response clock is met and the ticket is locked to the one who signs."""
    _require_handler(user, ticket)
    _expect(ticket, S.DISPATCHED)
    with transaction.atomic():
        before = audit.snapshot(ticket)
        now = _now()
        ticket.signed_at = now
        ticket.handler = user
        ticket.handler_locked = True
        ticket.status = S.SIGNED
        _store_clocks(ticket, now)
        _save(user, ticket, before, "签收")
        _event(ticket, E.SIGN, user, union=ticket.handling_union)
    return ticket


def feedback(user, ticket, note):
    """Progress feedback to the worker: meets the feedback clock the first time."""
    _require_handler(user, ticket)
    _expect(ticket, S.SIGNED, S.PAUSED)
    if not (note or "").strip():
        raise ValidationError("请填写反馈内容。")
    with transaction.atomic():
        before = audit.snapshot(ticket)
        now = _now()
        ticket.first_feedback_at = ticket.first_feedback_at or now
        _store_clocks(ticket, now)
        _save(user, ticket, before, "进展反馈")
        _event(ticket, E.FEEDBACK, user, note)
    return ticket


def pause(user, ticket, reason):
    """Stop the clocks (waiting for the worker's documents, say); the interval is stored."""
    _require_handler(user, ticket)
    _expect(ticket, S.SIGNED)
    with transaction.atomic():
        before = audit.snapshot(ticket)
        now = _now()
        ticket.pauses = list(ticket.pauses) + [[now.isoformat(), None]]
        ticket.status = S.PAUSED
        _store_clocks(ticket, now)
        _save(user, ticket, before, "暂停计时")
        _event(ticket, E.PAUSE, user, reason)
    return ticket


def resume(user, ticket, note=""):
    _require_handler(user, ticket)
    _expect(ticket, S.PAUSED)
    with transaction.atomic():
        before = audit.snapshot(ticket)
        now = _now()
        pauses = [list(p) for p in ticket.pauses]
        pauses[-1][1] = now.isoformat()
        ticket.pauses = pauses
        ticket.status = S.SIGNED
        _store_clocks(ticket, now)
        _save(user, ticket, before, "恢复计时")
        _event(ticket, E.RESUME, user, note)
    return ticket


def request_extension(user, ticket, clock, amount, unit, reason):
    _require_handler(user, ticket)
    _expect(ticket, S.SIGNED, S.PAUSED)
    if ticket.extensions.filter(state=ExtensionRequest.State.PENDING).exists():
        raise ValidationError("已有待审批的延期申请。")
    ext = ExtensionRequest(
        ticket=ticket, clock=clock, amount=amount, unit=unit, reason=(reason or "").strip(), requested_by=user
    )
    ext.full_clean()
    try:
        sla.Limit(float(amount), unit)
    except ValueError as exc:
        raise ValidationError({"amount": "延期时限必须为正数，按工作日计时须为整数。"}) from exc
    with transaction.atomic():
        ext.save()
        audit.record(user, AuditEntry.Action.CREATE, ext, parent=ticket)
        _event(
            ticket,
            E.EXTENSION_REQUEST,
            user,
            f"{ext.get_clock_display()}延至{amount}{sla.UNIT_LABELS[unit]}：{reason}",
        )
    return ext


def decide_extension(user, ext, approve, note=""):
    """A supervisor (never the requester) approves or refuses; an approved limit replaces the clock's."""
    _require(user, "hotline.supervise_ticket")
    ticket = ext.ticket
    check_in_scope(user, ticket.handling_union)
    if ext.state != ExtensionRequest.State.PENDING:
        raise ValidationError("该延期申请已审批。")
    if ext.requested_by_id == user.pk:
        raise PermissionDenied("不能审批自己提出的延期申请。")
    with transaction.atomic():
        now = _now()
        ext.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
        ext.decided_by = user
        ext.decided_at = now
        ext.save()
        audit.record(user, AuditEntry.Action.UPDATE, ext, parent=ticket, note=ext.get_state_display())
        if approve:
            before = audit.snapshot(ticket)
            limits = dict(ticket.extended_limits)
            limits[ext.clock] = {"amount": float(ext.amount), "unit": ext.unit}
            ticket.extended_limits = limits
            _store_clocks(ticket, now)
            _save(user, ticket, before, "延期获批")
        _event(
            ticket, E.EXTENSION_DECISION, user, f"{ext.get_state_display()}{('：' + note) if note else ''}"
        )
    return ext


def reply(user, ticket, text):
    """答复: the handling union reports the result to the worker; the resolution clock is met."""
    _require_handler(user, ticket)
    _expect(ticket, S.SIGNED)
    if not (text or "").strip():
        raise ValidationError({"reply": "请填写答复内容。"})
    with transaction.atomic():
        before = audit.snapshot(ticket)
        now = _now()
        ticket.reply = text.strip()
        ticket.first_feedback_at = ticket.first_feedback_at or now
        ticket.resolved_at = now
        ticket.status = S.REPLIED
        _store_clocks(ticket, now)
        _save(user, ticket, before, "答复办结")
        _event(ticket, E.REPLY, user, text)
    return ticket


def merge(user, duplicate, into):
    """A duplicate of another ticket is merged into it and leaves every count."""
    require_perm(user, Ticket, "change")
    check_in_scope(user, duplicate.handling_union)
    _expect(duplicate, S.INTAKE, S.RETURNED, S.DISPATCHED)
    if into.pk == duplicate.pk or into.status == S.MERGED:
        raise ValidationError("不能合并到本工单或已合并的工单。")
    with transaction.atomic():
        before = audit.snapshot(duplicate)
        duplicate.merged_into = into
        duplicate.status = S.MERGED
        duplicate.dispatched_at = duplicate.response_due = duplicate.resolution_due = None
        duplicate.closed_at = _now()
        _save(user, duplicate, before, f"合并至{into}")
        _event(duplicate, E.MERGE, user, f"合并至{into.number}")
        _event(into, E.MERGE, user, f"合并了重复工单{duplicate.number}")
    return duplicate


# --- call-back -------------------------------------------------------------------------------------


def _handled_by(ticket, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if ticket.handler_id == user.pk:
        return True
    return ticket.events.filter(actor=user, kind__in=[E.SIGN, E.REPLY, E.FEEDBACK]).exists()


def _apply_callback(ticket, actor, result, comment, resolved):
    if result not in Ticket.CallbackResult.values:
        raise ValidationError({"callback_result": "请选择满意、基本满意或不满意。"})
    if _handled_by(ticket, actor):
        raise PermissionDenied("工单承办人不能对本工单进行回访评价。")
    before = audit.snapshot(ticket)
    now = _now()
    ticket.callback_at = now
    ticket.callback_result = result
    ticket.callback_comment = (comment or "").strip()[:1000]
    ticket.callback_resolved = resolved
    ticket.callback_by = actor if getattr(actor, "is_authenticated", False) else None
    if result == Ticket.CallbackResult.UNSATISFIED:
        # Unsatisfied: back to the handler for re-handling; the resolution clock runs again.
        ticket.status = S.SIGNED
        ticket.resolved_at = None
        ticket.reopen_count += 1
        note = "职工不满意，工单重新办理"
    else:
        ticket.status = S.CLOSED
        ticket.closed_at = now
        note = "回访满意，结案"
    _store_clocks(ticket, now)
    _save(actor, ticket, before, note)
    _event(
        ticket,
        E.CALLBACK,
        actor,
        f"{result}{('：' + ticket.callback_comment) if ticket.callback_comment else ''}",
    )
    _event(ticket, E.REOPEN if result == Ticket.CallbackResult.UNSATISFIED else E.CLOSE, actor, note)
    return ticket


def callback(user, ticket, result, comment="", resolved=None):
    """回访 by an operator: never by anyone who handled the ticket."""
    _require(user, "hotline.callback_ticket")
    check_in_scope(user, ticket.handling_union)
    _expect(ticket, S.REPLIED)
    with transaction.atomic():
        return _apply_callback(ticket, user, result, comment, resolved)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def make_callback_link(user, ticket, days=CALLBACK_LINK_DAYS):
    """A one-use token for the worker's own rating; only its hash is stored. Returns the token."""
    _require(user, "hotline.callback_ticket")
    check_in_scope(user, ticket.handling_union)
    _expect(ticket, S.REPLIED)
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        link = CallbackLink.objects.create(
            ticket=ticket, token_hash=_hash_token(token), expires_at=_now() + dt.timedelta(days=days)
        )
        audit.record(user, AuditEntry.Action.ACTION, ticket, changes={}, note="生成回访链接")
    link.token = token
    return token


def callback_link(token):
    """The usable link of a token, or a ValidationError saying why not."""
    link = CallbackLink.objects.select_related("ticket").filter(token_hash=_hash_token(token or "")).first()
    if link is None:
        raise ValidationError("回访链接无效。")
    if link.used_at is not None:
        raise ValidationError("该回访链接已使用过。")
    if link.expires_at <= _now():
        raise ValidationError("该回访链接已过期。")
    if link.ticket.status != S.REPLIED:
        raise ValidationError("该工单当前无需回访。")
    return link


def callback_by_token(token, result, comment="", resolved=None, request_user=None):
    """The worker rates through the link, without logging in; the link is spent."""
    with transaction.atomic():
        link = callback_link(token)
        locked = CallbackLink.objects.select_for_update().get(pk=link.pk)
        if locked.used_at is not None:
            raise ValidationError("该回访链接已使用过。")
        ticket = Ticket.objects.select_for_update().get(pk=link.ticket_id)
        _apply_callback(ticket, request_user, result, comment, resolved)
        locked.used_at = _now()
        locked.save(update_fields=["used_at"])
    return ticket


# --- overdue and escalation ------------------------------------------------------------------------


def check_overdue(now=None):
    """Flag tickets past a deadline and escalate them to the supervisor (a timeline event). Returns count."""
    now = now or _now()
    late = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES, overdue=False).filter(
        Q(response_due__lt=now, signed_at__isnull=True)
        | Q(resolution_due__lt=now, resolved_at__isnull=True)
        | Q(feedback_due__lt=now, first_feedback_at__isnull=True)
    )
    n = 0
    for ticket in late.select_related("handling_union"):
        with transaction.atomic():
            ticket.overdue = True
            ticket.escalated_at = now
            ticket.save(update_fields=["overdue", "escalated_at"])
            _event(
                ticket, E.ESCALATE, None, f"已超时，督办{ticket.handling_union}", union=ticket.handling_union
            )
            audit.record(
                None, AuditEntry.Action.ACTION, ticket, changes={"overdue": [False, True]}, note="超时督办"
            )
        n += 1
    return n


# --- reference data: topics, limits, handlers, rate settings, themes --------------------------------


def _repath_topic_children(topic):
    for child in topic.children.all():
        child.clean()
        child.save(update_fields=["level", "path"])
        _repath_topic_children(child)


def create_topic(user, data):
    return services.create_object(user, TopicCategory, data)


def update_topic(user, topic, data):
    return services.update_object(user, topic, data, after_save=_repath_topic_children)


def delete_topic(user, topic):
    if topic.children.exists() or Ticket.objects.filter(topic=topic).exists():
        raise ValidationError("该分类下仍有下级分类或工单，不能删除，可停用。")
    services.delete_object(user, topic)


def create_timelimit(user, data):
    return services.create_object(user, TimeLimitRule, data)


def update_timelimit(user, rule, data):
    return services.update_object(user, rule, data)


def delete_timelimit(user, rule):
    services.delete_object(user, rule)


def create_handler(user, data):
    return services.create_object(user, HandlerAvailability, data)


def update_handler(user, handler, data):
    return services.update_object(user, handler, data)


def delete_handler(user, handler):
    services.delete_object(user, handler)


def rate_config():
    current = RateSettings.objects.order_by("-updated_at", "-pk").first()
    return current.config() if current else None


def save_rate_settings(user, data):
    from gonghui.hotline import rates

    current = RateSettings.objects.order_by("-updated_at", "-pk").first()
    data = dict(data)
    data.setdefault("owner", user.org)
    try:
        RateSettings(**{k: v for k, v in data.items()}).config().formulas()
    except (ValueError, TypeError) as exc:
        raise ValidationError(str(exc)) from exc
    del rates
    if current is None:
        return services.create_object(user, RateSettings, data)
    return services.update_object(user, current, data)


def create_theme(user, data):
    problems = data.get("problems") or []
    if not 1 <= len(problems) <= 3:
        raise ValidationError({"problems": "每月一题应选定1至3个问题。"})
    return services.create_object(user, MonthlyTheme, data)


def update_theme(user, theme, data):
    return services.update_object(user, theme, data)


def delete_theme(user, theme):
    services.delete_object(user, theme)


# --- early warning → proactive tasks ---------------------------------------------------------------


def _alert_union(alert_dict, tickets_by_id, county):
    """Who acts on an alert: the enterprise's union, the town union, else the county federation."""
    from gonghui.orgs.services import town_union_for

    tickets = [tickets_by_id[i] for i in alert_dict["ticket_ids"] if i in tickets_by_id]
    if alert_dict["kind"] == "enterprise" and tickets and tickets[0].enterprise_id:
        return tickets[0].enterprise.union, tickets[0]
    if alert_dict["kind"] in ("town", "town_topic") and tickets and tickets[0].town_id:
        try:
            return town_union_for(tickets[0].town), tickets[0]
        except ValidationError:
            pass
    return county, tickets[0] if tickets else None


def warning_records(since, until):
    """Tickets in [since, until] as warning.py's records (plain dicts).

    The days are bounds on created_at itself (not on its date), so the created_at index serves
    them; the China calendar day is computed by the database."""
    from django.db.models.functions import TruncDate

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    qs = (
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=S.MERGED)
        .exclude(channel=Ticket.Channel.PROACTIVE)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("id", "day", "enterprise_id", "town_id", "topic_path", "content")
    )
    topics: dict = {}
    out = []
    for pk, day, ent, town, topic, text in qs:  # one result set: no server-side cursor round trips
        top = topics.get(topic)
        if top is None:
            top = topics[topic] = ((topic or "").split("/")[0] or None,)
        out.append({"id": pk, "date": day, "enterprise_id": ent, "town": town, "topic": top[0], "text": text})
    return out


def _alert_label(kind, key):
    """Names for the detector's text: the records carry enterprise and town ids."""
    from gonghui.orgs.models import Enterprise, Region

    model = Enterprise if kind == "enterprise" else Region
    name = model.objects.filter(pk=key).values_list("name", flat=True).first()
    return name or f"{model._meta.verbose_name} {key}"


def run_early_warning(as_of=None, days=90):
    """The daily detector over the last `days` days; each new alert becomes a proactive task."""
    from gonghui.hotline import warning

    as_of = as_of or timezone.localdate()
    records = warning_records(as_of - dt.timedelta(days=days - 1), as_of)
    # Other signals: collective contracts near their end without renewal (bargaining). Arrears
    # clues join here once the arrears app exists.
    from gonghui.bargaining.services import expiring_contract_signals

    found = warning.detect(records, as_of, signals=expiring_contract_signals(as_of), label=_alert_label)
    county = intake_union()
    created = []
    for alert in found:
        d = alert.to_dict()
        key = "/".join(str(k) for k in d["key"]) if isinstance(d["key"], list) else str(d["key"])
        if WarningAlert.objects.filter(as_of=as_of, kind=d["kind"], key=key[:200]).exists():
            continue
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(pk__in=d["ticket_ids"]).select_related("enterprise", "town")
        }
        union, sample = _alert_union(d, tickets, county)
        with transaction.atomic():
            row = WarningAlert.objects.create(
                union=union,
                as_of=as_of,
                kind=d["kind"],
                key=key[:200],
                title=d["title"][:200] or f"{d['kind_label']}预警：{key}",
                explanation=d["explanation"],
                severity=d["severity"],
                observed=d["observed"],
                expected=d["expected"],
                p_value=d["p_value"],
                data={k: v for k, v in d.items() if k not in ("as_of", "window_start", "ticket_ids")},
            )
            row.evidence.set(list(tickets))
            audit.record(None, AuditEntry.Action.CREATE, row, note="每日预警")
            task = _new_ticket(
                {
                    "content": f"【主动治理】{row.title}\n{row.explanation}",
                    "request_type": "服务帮扶",
                    "priority": "紧急" if row.severity == "高" else "一般",
                    "enterprise": sample.enterprise if sample and d["kind"] == "enterprise" else None,
                    "town": sample.town
                    if sample and d["kind"] in ("enterprise", "town", "town_topic")
                    else None,
                    "topic": sample.topic if sample and d["kind"] in ("town_topic", "topic") else None,
                    "source_alert": row,
                },
                county,
                Ticket.Channel.PROACTIVE,
            )
            audit.record(None, AuditEntry.Action.CREATE, task, note="预警转主动治理任务")
            _event(task, E.INTAKE, None, "由预警生成的主动治理任务", union=county)
            now = _now()
            task.handling_union = union
            task.dispatched_at = now
            task.handler = pick_handler(union)
            task.status = S.DISPATCHED
            _store_clocks(task, now)
            task.save()
            _event(task, E.DISPATCH, None, f"派至{union}", union=union)
        created.append(row)
    return created
