"""Benchmark of the salary-booklet statistics (issue 5).

Synthetic survey: 1,200 enterprises for sizes up to 1 million rows (Guangzhou's first editions),
2,200 above (its 2025 edition); about 400 occupations, 5 position levels, 38 sub-industries
(GB/T 4754 divisions, each with a few groups), 12 regions; log-normal pay recorded to the fen,
survey weights.

Methods, each run in a fresh subprocess on the same rows (same seed):
- ``gonghui``: ``gonghui.bargaining.stats.compute_tables`` — every table the booklet prints,
  P10-P90 and means of monthly and annual pay, counts, weighted and unweighted, with suppression;
- ``pandas``: the same groupings, counts, means and unweighted P10-P90 written plainly with
  ``groupby([...]).quantile([...])`` (no weights, no suppression).

Prints one JSON line per size and method: ``{"rows", "method", "seconds", "peak_rss_mb", ...}``.
``seconds`` is the computation only (data generation excluded), wall clock; ``cpu_seconds`` the
CPU time of the computation summed over threads (``gonghui`` uses up to three threads, ``pandas``
one; on a machine shared with other work, wall clock depends on the load, CPU time much less);
``peak_rss_mb`` is the peak resident memory of the whole subprocess.

``gonghui``'s ``seconds`` is its first call in a fresh process: it includes numba's one-time
start-up in that process (about 0.5-1 s) and the loading of the compiled kernels from numba's
cache in ``__pycache__``. Compiling them (a few seconds, once per machine, as an installation
would: ``stats.warm_up()``) is done before the measurements, in a subprocess of its own, and its
time printed to stderr; it is not in any figure. The same line also
gives ``warm_seconds`` / ``warm_cpu_seconds``, a second call on the same rows in the same
process (what every later computation in a running server costs), and ``phases``: wall and
thread-CPU seconds of each phase of the first call (``setup.pairs``: each row's (enterprise,
occupation, level) pair and the pairs' counts and sums; ``setup.cells``: every table's cells,
counts, means and primary suppression; ``value_sort.<variable>`` and ``percentiles.<variable>``
in one thread per variable, started with the setup; ``suppression``: secondary suppression in the
main thread meanwhile; ``wait_*``: a thread waiting for another).

    python benchmarks/salary_stats.py --rows 1000000,10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

N_OCCUPATIONS = 400
N_LEVELS = 5
N_DIVISIONS = 38
N_REGIONS = 12


def enterprises_for(rows: int) -> int:
    return 1200 if rows <= 1_000_000 else 2200


def make_data(rows: int, seed: int = 2025):
    rng = np.random.default_rng(seed)
    n_ent = enterprises_for(rows)
    division = rng.integers(0, N_DIVISIONS, n_ent) + 13  # divisions 13..50
    group = division * 10 + rng.integers(0, 4, n_ent)
    region = 440103 + rng.integers(0, N_REGIONS, n_ent)
    # enterprise sizes: skewed (a few large employers)
    size = rng.pareto(1.2, n_ent) + 1
    ent = rng.choice(n_ent, size=rows, p=size / size.sum())
    ent.sort()  # a survey return per enterprise: rows of one enterprise come together
    # each division uses a subset of occupations; popularity skewed
    occ_pop = rng.dirichlet(np.full(N_OCCUPATIONS, 0.3))
    occupation = rng.choice(N_OCCUPATIONS, size=rows, p=occ_pop)
    level = rng.choice(N_LEVELS, size=rows, p=[0.05, 0.15, 0.15, 0.25, 0.40])
    level_effect = np.array([0.6, 0.4, 0.15, -0.05, -0.1])
    occ_effect = rng.normal(0, 0.25, N_OCCUPATIONS)
    div_effect = rng.normal(0, 0.15, 64)
    mu = 8.6 + level_effect[level] + occ_effect[occupation] + div_effect[division[ent] - 13]
    monthly = np.round(rng.lognormal(mu, 0.35), 2)
    annual = np.round(monthly * 12 * rng.lognormal(0.1, 0.15, rows), 2)
    weight = rng.uniform(1.0, 30.0, n_ent)[ent] * rng.uniform(0.8, 1.25, rows)
    rows_d = {
        "enterprise": ent,
        "occupation": occupation,
        "level": level,
        "monthly_pay": monthly,
        "annual_pay": annual,
        "weight": weight,
    }
    ents_d = {"division": division, "group": group, "region": region}
    return rows_d, ents_d


def run_gonghui(rows_d, ents_d) -> dict:
    from gonghui.bargaining.stats import compute_tables

    t, cpu = time.perf_counter(), time.process_time()
    ts = compute_tables(rows_d, ents_d)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    cells = sum(len(t) for t in ts.tables.values())
    published = sum(int((t.status == 0).sum()) for t in ts.tables.values())
    phases = ts.extra.get("seconds", {})
    n_tables = len(ts.tables)
    del ts
    t, warm_cpu = time.perf_counter(), time.process_time()
    compute_tables(rows_d, ents_d)
    warm, warm_cpu = time.perf_counter() - t, time.process_time() - warm_cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "warm_seconds": round(warm, 3),
        "warm_cpu_seconds": round(warm_cpu, 3),
        "tables": n_tables,
        "cells": cells,
        "published": published,
        "phases": phases,
    }


def run_pandas(rows_d, ents_d) -> dict:
    import pandas as pd

    from gonghui.bargaining.stats import DEFAULT_GROUPINGS

    df = pd.DataFrame(
        {
            "occupation": rows_d["occupation"],
            "level": rows_d["level"],
            "enterprise": rows_d["enterprise"],
            "monthly_pay": rows_d["monthly_pay"],
            "annual_pay": rows_d["annual_pay"],
            "division": ents_d["division"][rows_d["enterprise"]],
            "group": ents_d["group"][rows_d["enterprise"]],
            "region": ents_d["region"][rows_d["enterprise"]],
        }
    )
    t, cpu = time.perf_counter(), time.process_time()
    cells = 0
    for g in DEFAULT_GROUPINGS:
        cols = ["monthly_pay", "annual_pay"]
        if g.dims:
            grouped = df.groupby(list(g.dims))
            q = grouped[cols].quantile([0.1, 0.25, 0.5, 0.75, 0.9])
            agg = grouped.agg(
                employees=("monthly_pay", "size"),
                enterprises=("enterprise", "nunique"),
                monthly_mean=("monthly_pay", "mean"),
                annual_mean=("annual_pay", "mean"),
            )
        else:
            q = df[cols].quantile([0.1, 0.25, 0.5, 0.75, 0.9])
            agg = df[cols].mean()
        cells += len(agg)
        del q
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "cells": cells}


def child(rows: int, method: str) -> None:
    rows_d, ents_d = make_data(rows)
    result = (run_gonghui if method == "gonghui" else run_pandas)(rows_d, ents_d)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "rows": rows,
        "method": method,
        "seconds": round(result.pop("seconds"), 3),
        "cpu_seconds": round(result.pop("cpu_seconds"), 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    out["enterprises"] = enterprises_for(rows)
    out.update(result)
    print(json.dumps(out), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1000000,10000000", help="comma-separated row counts")
    ap.add_argument("--methods", default="gonghui,pandas")
    ap.add_argument("--child", nargs=2, metavar=("ROWS", "METHOD"), help=argparse.SUPPRESS)
    ap.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(int(args.child[0]), args.child[1])
        return 0
    if args.warm_up:
        from gonghui.bargaining.stats import warm_up

        t = time.perf_counter()
        warm_up()
        print(
            f"numba kernels compiled or loaded from the cache in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        return 0
    if "gonghui" in args.methods.split(","):
        subprocess.run([sys.executable, os.path.abspath(__file__), "--warm-up"], check=True)
    sizes = [int(s) for s in args.rows.split(",") if s]
    for rows in sizes:
        for method in args.methods.split(","):
            proc = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--child", str(rows), method],
                stdout=subprocess.PIPE,
                text=True,
            )
            if proc.returncode != 0:
                print(json.dumps({"rows": rows, "method": method, "error": proc.returncode}), flush=True)
                return 1
            sys.stdout.write(proc.stdout)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
