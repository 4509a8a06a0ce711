"""The three rates as database aggregations (read-only).

Each formula variant of `rates.py` has its SQL twin here: the records in its denominator as a
filter and its numerator weight as a conditional sum. `rates.py` stays the specification (a test
checks both give the same figures); this module makes them fast over millions of tickets.
"""

import datetime as dt

from django.db.models import Case, Count, F, FloatField, Q, Sum, Value, When
from django.utils import timezone

from gonghui.hotline import rates
from gonghui.hotline.models import Ticket

GROUPS = {"union": ("handling_union_id", "handling_union__name"), "town": ("town_id", "town__name")}


def config_or_default(config=None):
    if config is not None:
        return config
    from gonghui.hotline.services import rate_config

    return rate_config() or rates.RateConfig()


def bounds(start, end):
    """Local dates → aware datetimes (half-open [start, end))."""
    tz = timezone.get_current_timezone()

    def aware(d):
        return d if isinstance(d, dt.datetime) else dt.datetime.combine(d, dt.time(), tzinfo=tz)

    return aware(start), aware(end)


def formula_q(key, variant, start, end, weights=None):
    """(denominator filter, numerator weight expression, numerator filter) of one formula variant."""
    s, e = bounds(start, end)
    if key == "response":
        on_time = Q(signed_at__isnull=False, response_due__isnull=False, signed_at__lte=F("response_due"))
        if variant == "ontime_sign_due":
            den = Q(dispatched_at__isnull=False, response_due__gte=s, response_due__lt=e)
        else:
            den = Q(dispatched_at__gte=s, dispatched_at__lt=e)
        return (
            den,
            Case(When(on_time, then=Value(1.0)), default=Value(0.0), output_field=FloatField()),
            on_time,
        )
    if key == "resolution":
        if variant == "callback_resolved":
            den = Q(
                callback_resolved__isnull=False,
                callback_result__in=rates.VALID_CALLBACKS,
                callback_at__gte=s,
                callback_at__lt=e,
            )
            num = Q(callback_resolved=True)
        else:
            num = Q(
                resolved_at__isnull=False, resolution_due__isnull=False, resolved_at__lte=F("resolution_due")
            )
            if variant == "ontime_close_due":
                den = Q(dispatched_at__isnull=False, resolution_due__gte=s, resolution_due__lt=e)
            else:
                den = Q(dispatched_at__gte=s, dispatched_at__lt=e)
        return den, Case(When(num, then=Value(1.0)), default=Value(0.0), output_field=FloatField()), num
    # satisfaction
    weights = weights or rates.DEFAULT_SATISFACTION_WEIGHTS
    den = Q(callback_result__in=list(weights), callback_at__gte=s, callback_at__lt=e)
    whens = [When(callback_result=k, then=Value(float(w))) for k, w in weights.items() if w]
    num = Q(callback_result__in=[k for k, w in weights.items() if w])
    return den, Case(*whens, default=Value(0.0), output_field=FloatField()), num


def _formulas(config):
    chosen = config.formulas()
    out = {}
    for key in rates.RATE_KEYS:
        f = chosen[key]
        weights = None
        if key == "satisfaction":
            weights = {
                "weighted": config.satisfaction_weights,
                "satisfied_or_basic": {"满意": 1.0, "基本满意": 1.0, "不满意": 0.0},
                "strict": {"满意": 1.0, "基本满意": 0.0, "不满意": 0.0},
            }[f.variant]
        out[key] = (f, weights)
    return out


def rate_table(queryset, start, end, group_by="union", config=None):
    """Rates per group: [{"group_id", "group", key: RateValue, ...}] plus an overall row.

    One aggregate per rate, each filtered by its own denominator only, so that each is served by
    the index on its own deadline / call-back time (an OR of the three ranges scans the table).
    A ticket belongs to exactly one group, so the overall row is the sum of the group rows."""
    config = config_or_default(config)
    forms = _formulas(config)
    base = queryset.exclude(status=Ticket.Status.MERGED)
    id_field = GROUPS[group_by][0] if group_by else None
    per_group: dict = {}
    for key, (f, weights) in forms.items():
        den, weight, _ = formula_q(key, f.variant, start, end, weights)
        aggs = {f"{key}_d": Count("pk"), f"{key}_n": Sum(weight)}
        qs = base.filter(den)
        if id_field:
            for r in qs.values(id_field).annotate(**aggs).order_by():
                per_group.setdefault(r[id_field], {}).update(r)
        else:
            per_group.setdefault(None, {}).update(qs.aggregate(**aggs))
    total = {}
    for key in forms:
        total[f"{key}_d"] = sum(r.get(f"{key}_d") or 0 for r in per_group.values())
        total[f"{key}_n"] = sum(r.get(f"{key}_n") or 0.0 for r in per_group.values())
    rows = []
    if group_by:
        rows = [
            _row(gid, name or "（未填写）", per_group[gid], forms)
            for gid, name in _group_names(group_by, per_group)
        ]
    return rows, _row(None, "合计", total, forms)


def _group_names(group_by, per_group):
    """(group id, name) of the groups present, ordered by name as the database collates it."""
    id_field = GROUPS[group_by][0]
    model = Ticket._meta.get_field(id_field.removesuffix("_id")).related_model
    ids = [g for g in per_group if g is not None]
    named = list(model.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))
    seen = {pk for pk, _ in named}
    # groups without a row (no town filled in) come last, as NULL names sort in PostgreSQL
    return named + [(g, None) for g in per_group if g not in seen]


def _row(group_id, name, r, forms):
    row = {"group_id": group_id, "group": name}
    for key, (f, _) in forms.items():
        row[key] = rates.RateValue(
            key, f.name, round(r.get(f"{key}_n") or 0.0, 6), r.get(f"{key}_d") or 0, f.definition
        )
    return row


def ranking(rows, config=None):
    """Monthly ranking rows as rates.monthly_ranking scores them (weights renormalised per group)."""
    config = config_or_default(config)
    out = []
    for row in rows:
        total_w = score = 0.0
        for key in rates.RATE_KEYS:
            rv, w = row[key], float(config.ranking_weights.get(key, 0.0))
            if rv.value is not None and w > 0:
                total_w += w
                score += w * rv.value
        if total_w:
            out.append({**row, "score": round(100 * score / total_w, 2)})
    out.sort(key=lambda r: (-r["score"], str(r["group"])))
    rank = 0
    for i, r in enumerate(out):
        if i == 0 or r["score"] != out[i - 1]["score"]:
            rank = i + 1
        r["rank"] = rank
    return out


def trend(queryset, months=12, end=None, config=None):
    """Overall rates for each of the last `months` months (labels "YYYY-MM")."""
    config = config_or_default(config)
    end = end or timezone.localdate()
    first = dt.date(end.year, end.month, 1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    nxt = (dt.date(end.year, end.month, 28) + dt.timedelta(days=4)).replace(day=1)
    series = []
    for label, a, b in rates.periods(first, nxt, "month"):
        _, total = rate_table(queryset, a, b, group_by=None, config=config)
        series.append((label, total))
    return series


def drill_down(queryset, key, part, start, end, config=None):
    """The tickets behind one figure: part "den" (all counted) or "num" (those that scored)."""
    config = config_or_default(config)
    f, weights = _formulas(config)[key]
    den, _, num = formula_q(key, f.variant, start, end, weights)
    qs = queryset.filter(den).exclude(status=Ticket.Status.MERGED)
    return qs.filter(num) if part == "num" else qs
