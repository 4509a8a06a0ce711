"""Quality and speed of the hotline early-warning detector and the topic classifier.

A synthetic county (20 towns, 800 enterprises, ~40 tickets a day with the rise of wage
complaints before Spring Festival) gets outbreaks injected into its background: clusters about
one enterprise, one topic rising in one town, a new phrase spreading across enterprises. The
detector runs once a day over 180 days (September to the end of February, so the pre-festival
wage season is included) and is scored against the injected truth.

Prints one JSON line per figure with the keys ``name``, ``value``, ``unit``.

    .venv/bin/python benchmarks/hotline_warning.py [--seed N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gonghui.hotline import classify, synthetic, warning  # noqa: E402


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


def make_outbreaks(county, eval_start, eval_days, seed, per_kind=6):
    rng = random.Random(seed)
    tickets, truths = [], []
    used = set()
    params = {"enterprise": (0.6, 1.2), "town_topic": (1.0, 2.0), "keyword": (0.8, 1.5)}
    i = 0
    for kind, (lo, hi) in params.items():
        for _ in range(per_kind):
            i += 1
            start = eval_start + dt.timedelta(days=rng.randrange(0, eval_days - 20))
            days = rng.randint(7, 14)
            kw = {}
            if kind == "enterprise":
                while True:
                    e = rng.choice(county["enterprises"])
                    if e["id"] not in used:
                        used.add(e["id"])
                        break
                kw = {
                    "enterprise_id": e["id"],
                    "topic": rng.choice(["拖欠工资", "社会保险", "工伤", "劳动合同"]),
                }
            elif kind == "town_topic":
                kw = {"town": rng.choice(county["towns"]), "topic": rng.choice(list(synthetic.TOPIC_MIX))}
            else:
                kw = {"phrase": synthetic.OUTBREAK_PHRASES[i % len(synthetic.OUTBREAK_PHRASES)]}
            out, truth = synthetic.inject_outbreak(
                kind, start, days, rng.uniform(lo, hi), county, seed=seed * 100 + i, **kw
            )
            if out:
                tickets += out
                truths.append(truth)
    return tickets, truths


def score(alerts_by_day, truths, eval_days):
    ob_of = {}
    for k, t in enumerate(truths):
        for tid in t["ticket_ids"]:
            ob_of[tid] = k
    first_hit = {}
    false_episodes = []
    last_seen = {}
    for day in sorted(alerts_by_day):
        for a in alerts_by_day[day]:
            hits = [ob_of[i] for i in a.ticket_ids if i in ob_of]
            if hits and len(hits) >= 0.3 * len(a.ticket_ids):
                k = max(set(hits), key=hits.count)
                t = truths[k]
                if t["start"] <= day <= t["end"] + dt.timedelta(days=7):
                    first_hit.setdefault(k, day)
                continue
            sk = (a.kind, a.key)
            if sk not in last_seen or (day - last_seen[sk]).days > 7:
                false_episodes.append((day, sk))
            last_seen[sk] = day
    detected = len(first_hit) / len(truths)
    delays = [(first_hit[k] - truths[k]["start"]).days for k in first_hit]
    months = eval_days / 30.44
    by_kind = {}
    for k, t in enumerate(truths):
        by_kind.setdefault(t["kind"], []).append(k in first_hit)
    return detected, delays, len(false_episodes) / months, false_episodes, by_kind


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--daily-mean", type=float, default=40.0)
    args = ap.parse_args()
    t_all = time.perf_counter()

    # --- classifier held-out accuracy
    pairs = synthetic.generate_texts(4000, seed=args.seed)
    res = classify.evaluate([p[0] for p in pairs], [p[1] for p in pairs], test_fraction=0.25, seed=args.seed)
    emit("hotline_classifier_heldout_accuracy", round(res["accuracy"], 4), "fraction", n_test=res["n_test"])
    emit("hotline_classifier_heldout_top3_accuracy", round(res["top3_accuracy"], 4), "fraction")

    # --- detector simulation
    county = synthetic.make_county(20, 800, seed=args.seed)
    hist_start, eval_start, eval_end = dt.date(2024, 9, 1), dt.date(2025, 9, 1), dt.date(2026, 2, 28)
    eval_days = (eval_end - eval_start).days
    background = synthetic.generate_tickets(hist_start, eval_end, args.daily_mean, county, seed=args.seed)
    injected, truths = make_outbreaks(county, eval_start, eval_days, args.seed)
    tickets = background + injected

    history = [t for t in background if t["date"] < eval_start]
    factor = warning.learn_festival_factor(history) or 2.0
    dow = tuple(warning._dow_factors([t["date"] for t in history]))
    cfg = warning.WarningConfig(festival_factor=factor, dow_factors=dow)
    emit("hotline_warning_learned_festival_factor", round(factor, 3), "ratio")

    # runtime of one cold run over the last 90 days of a county's tickets
    last90 = [t for t in tickets if t["date"] > eval_end - dt.timedelta(days=90)]
    warning._TOKEN_CACHE.clear()
    t0 = time.perf_counter()
    warning.detect(last90, eval_end, config=warning.WarningConfig(), history=last90)
    emit(
        "hotline_warning_detector_runtime_90_days",
        round(time.perf_counter() - t0, 3),
        "s",
        tickets=len(last90),
    )

    by_day = {}
    for i in range(eval_days):
        day = eval_start + dt.timedelta(days=i)
        by_day[day] = warning.detect(tickets, day, config=cfg)
    detected, delays, fa_month, false_eps, by_kind = score(by_day, truths, eval_days)
    emit("hotline_warning_detection_rate", round(detected, 4), "fraction", outbreaks=len(truths),
         by_kind={k: round(sum(v) / len(v), 3) for k, v in by_kind.items()})  # fmt: skip
    emit(
        "hotline_warning_false_alarms_per_month", round(fa_month, 3), "alerts/month", episodes=len(false_eps)
    )
    emit("hotline_warning_median_days_to_alert", statistics.median(delays) if delays else None, "days")

    # the weeks before Spring Festival, with and without the seasonal baseline
    pre = [eval_start + dt.timedelta(days=i) for i in range(eval_days)]
    pre = [d for d in pre if 0 < warning.days_to_next_lunar_new_year(d) <= 42]
    flat = warning.WarningConfig(festival_factor=1.0, dow_factors=dow)
    for name, conf in (("seasonal", cfg), ("no_seasonal", flat)):
        alerts = {d: (by_day[d] if conf is cfg else warning.detect(tickets, d, config=conf)) for d in pre}
        _, _, fa, eps, _ = score(alerts, truths, len(pre))
        wage = sum(1 for _, (_kind, key) in eps if "拖欠工资" in str(key))
        emit(f"hotline_warning_false_alarms_per_month_pre_festival_{name}", round(fa, 3), "alerts/month",
             wage_episodes=wage)  # fmt: skip
    emit("hotline_warning_benchmark_wall_time", round(time.perf_counter() - t_all, 1), "s")


if __name__ == "__main__":
    main()
