"""Benchmark of the "大带小" pairing engine against greedy and a plain full OR-Tools min-cost flow.

    python benchmarks/pairing.py [--instances county,city,province[,large]] [--methods gonghui,greedy,ortools_full]

``--instances large:250000`` runs the large instance scaled to 250,000 micro enterprises at the same
densities (mentors, towns, area per enterprise), to see how a method's time grows with the size.

Prints one JSON line per instance and method with the keys ``instance``, ``method``, ``seconds``,
``peak_rss_mb``, ``covered``, ``total_cost`` (plus ``micros``, ``mentors`` and, for gonghui,
the engine's ``stats``). Each method runs in a fresh subprocess; ``peak_rss_mb`` is that child's
``ru_maxrss`` from ``os.wait4`` (it includes generating the instance and importing the libraries);
``seconds`` is the wall time of the method alone (spatial index, candidates, solve, and for
gonghui building the result with its Chinese explanations). ``gonghui`` runs the compiled exact
solver (``engine_flow``, numba): numba caches its compiled kernels in ``__pycache__``, so the very
first run on a machine also pays the compilation (tens of seconds) inside ``seconds``; later runs
only load the cache. Both exact methods use the engine's candidate pairs (``all_candidate_pairs``),
so the comparison is of the solvers, not of two candidate generators.

Synthetic instances: towns as clusters (normal spread around a centre, lognormal town sizes) in a
square, around 阜宁 (119.8 E, 33.8 N); real GB/T 4754-2017 classes from the shared reference copy,
each town with a few dominant manufacturing classes; mentors with capacity 10–30 and a
模范职工之家 level; radius 15 km, default ``PairingParams``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gonghui.pairing import engine  # noqa: E402

GBT_CSV = ROOT.parent / "shared" / "data" / "gbt4754_2017.csv"
if not GBT_CSV.exists():  # pragma: no cover - layout fallback
    GBT_CSV = Path("/work/shared/data/gbt4754_2017.csv")

# name: (micros, mentors, square side km, towns)
INSTANCES = {
    "county": (790, 60, 50.0, 15),
    "city": (10_000, 800, 150.0, 150),
    "province": (100_000, 6_000, 400.0, 1_500),
    "large": (1_000_000, 50_000, 1265.0, 15_000),
}
METHODS = ("gonghui", "greedy", "ortools_full")
LNG0, LAT0 = 119.8, 33.8
KM_PER_DEG = 111.195
FULL_ARC_LIMIT = 40_000_000  # beyond this the plain full solve does not fit in memory here


def industry_tree() -> engine.IndustryTree:
    return engine.IndustryTree.from_csv(GBT_CSV)


def instance_size(name: str) -> tuple[int, int, float, int]:
    """(micros, mentors, side km, towns) of a named instance; ``large:N`` is the large instance
    scaled down (or up) to N micro enterprises at the same densities (to see how a method grows)."""
    if name.startswith("large:"):
        n = int(name.split(":", 1)[1])
        big = INSTANCES["large"]
        f = n / big[0]
        return n, max(1, round(big[1] * f)), big[2] * math.sqrt(f), max(1, round(big[3] * f))
    return INSTANCES[name]


def make_instance(name: str, seed: int = 20240607):
    n_micro, n_mentor, side, n_towns = instance_size(name)
    rng = np.random.default_rng(seed)
    with open(GBT_CSV, encoding="utf-8", newline="") as fh:
        classes = [r["code"] for r in csv.DictReader(fh) if r["level"] == "class"]
    classes = np.array(classes)
    manuf = classes[np.array([13 <= int(c[:2]) <= 43 for c in classes])]
    centres = rng.uniform(0, side, size=(n_towns, 2))
    weights = rng.lognormal(0.0, 0.8, size=n_towns)
    weights /= weights.sum()
    spread = rng.uniform(2.0, 5.0, size=n_towns)
    dominant = rng.choice(manuf, size=(n_towns, 3))

    def place(n):
        town = rng.choice(n_towns, size=n, p=weights)
        xy = centres[town] + rng.normal(0, 1, size=(n, 2)) * spread[town, None]
        xy = np.clip(xy, 0, side)
        lat = LAT0 + (xy[:, 1] - side / 2) / KM_PER_DEG
        lng = LNG0 + (xy[:, 0] - side / 2) / (KM_PER_DEG * math.cos(math.radians(LAT0)))
        dom = rng.random(n) < 0.5
        ind = np.where(dom, dominant[town, rng.integers(0, 3, size=n)], rng.choice(classes, size=n))
        return town.astype(np.int64), lng, lat, ind

    t, lng, lat, ind = place(n_micro)
    head = np.clip(np.rint(rng.lognormal(2.4, 0.7, size=n_micro)), 1, 49).astype(np.int64)
    micros = engine.MicroTable(
        ids=np.arange(1, n_micro + 1), lng=lng, lat=lat, industry=list(ind), headcount=head, town=t
    )
    t, lng, lat, ind = place(n_mentor)
    model = rng.choice(5, size=n_mentor, p=[0.6, 0.2, 0.12, 0.06, 0.02])
    mentors = engine.MentorTable(
        ids=np.arange(10_000_001, 10_000_001 + n_mentor),
        lng=lng,
        lat=lat,
        industry=list(ind),
        capacity=rng.integers(10, 31, size=n_mentor),
        town=t,
        model_level=model,
    )
    return micros, mentors


def run_gonghui(micros, mentors, params, tree):
    res = engine.solve(micros, mentors, params, tree)
    return res.covered, res.total_cost, dict(res.stats)


def run_greedy(micros, mentors, params, tree):
    """Each micro enterprise in id order takes the nearest mentor with room (what is done by hand)."""
    from scipy.spatial import cKDTree

    from gonghui.pairing.geo import km_to_chord, to_xyz

    prob = engine._Problem(micros, mentors, params, tree)
    mtree = cKDTree(to_xyz(mentors.lng, mentors.lat))
    mxyz = to_xyz(micros.lng, micros.lat)
    chord = km_to_chord(params.max_distance_km)
    room = mentors.capacity.astype(np.int64).copy()
    eligible = micros.headcount < params.micro_threshold
    order = np.argsort(micros.ids, kind="stable")
    pi, pj = [], []
    k = 32
    for s in range(0, order.size, 50_000):
        idx = order[s : s + 50_000]
        dist, nb = mtree.query(mxyz[idx], k=min(k, len(mentors)), distance_upper_bound=chord)
        for row, i in enumerate(idx.tolist()):
            if not eligible[i]:
                continue
            chosen = -1
            for d, j in zip(dist[row].tolist(), nb[row].tolist(), strict=True):
                if math.isinf(d):
                    break
                if room[j] > 0 and (params.same_town != "required" or micros.town[i] == mentors.town[j]):
                    chosen = j
                    break
            else:
                near = mtree.query_ball_point(mxyz[i], chord)
                near = sorted(near, key=lambda j: (float(np.sum((mxyz[i] - prob.txyz[j]) ** 2)), j))
                for j in near:
                    if room[j] > 0 and (params.same_town != "required" or micros.town[i] == mentors.town[j]):
                        chosen = j
                        break
            if chosen >= 0:
                room[chosen] -= 1
                pi.append(i)
                pj.append(chosen)
    pi, pj = np.array(pi, dtype=np.int64), np.array(pj, dtype=np.int64)
    d, ind, town, model, km, _, _ = prob.components(pi, pj)
    ok = km <= params.max_distance_km
    return int(ok.sum()), int((d + ind + town + model)[ok].sum()), {}


def run_ortools_full(micros, mentors, params, tree):
    """The textbook baseline: one min-cost flow over every pair within the radius."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    ai, aj, ac = engine.all_candidate_pairs(micros, mentors, params, tree)
    n_i, n_j = len(micros), len(mentors)
    smcf = SimpleMinCostFlow()
    sink = n_i + n_j
    tails = np.concatenate([ai, n_i + np.arange(n_j)])
    heads = np.concatenate([n_i + aj, np.full(n_j, sink)])
    caps = np.concatenate([np.ones(ai.size, dtype=np.int64), mentors.capacity])
    costs = np.concatenate([ac, np.zeros(n_j, dtype=np.int64)])
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[np.unique(ai)] = 1
    supplies[sink] = -int(supplies.sum())
    smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = smcf.solve_max_flow_with_min_cost()
    assert status == smcf.OPTIMAL, status
    return int(smcf.maximum_flow()), int(smcf.optimal_cost()), {"arcs": int(ai.size)}


def run_one(instance: str, method: str) -> dict:
    micros, mentors = make_instance(instance)
    tree = industry_tree()
    params = engine.PairingParams()
    row = {"instance": instance, "method": method, "micros": len(micros), "mentors": len(mentors)}
    fn = {"gonghui": run_gonghui, "greedy": run_greedy, "ortools_full": run_ortools_full}[method]
    t0 = time.perf_counter()
    covered, cost, extra = fn(micros, mentors, params, tree)
    row.update(seconds=round(time.perf_counter() - t0, 3), covered=covered, total_cost=cost)
    if extra:
        row["stats"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in extra.items()}
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="county,city,province")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--one", nargs=2, metavar=("INSTANCE", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(*args.one), ensure_ascii=False), flush=True)
        return 0
    ok = True
    for inst in [s for s in args.instances.split(",") if s]:
        try:
            size = instance_size(inst)
        except (KeyError, ValueError):
            ap.error(f"unknown instance {inst!r}; choose from {', '.join(INSTANCES)} or large:N")
        for method in [s for s in args.methods.split(",") if s]:
            if method == "ortools_full" and size[0] * 60 > FULL_ARC_LIMIT:
                print(
                    json.dumps(
                        {
                            "instance": inst,
                            "method": method,
                            "seconds": None,
                            "peak_rss_mb": None,
                            "covered": None,
                            "total_cost": None,
                            "skipped": "does not fit in memory",
                        }
                    ),
                    flush=True,
                )
                continue
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--one", inst, method],
                stdout=subprocess.PIPE,
                text=True,
            )
            out = proc.stdout.read()
            proc.stdout.close()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0 or not out.strip():
                print(
                    json.dumps({"instance": inst, "method": method, "error": f"exit {proc.returncode}"}),
                    flush=True,
                )
                ok = False
                continue
            row = json.loads(out.strip().splitlines()[-1])
            row["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
            keys = ["instance", "method", "seconds", "peak_rss_mb", "covered", "total_cost"]
            ordered = {k: row[k] for k in keys} | {k: v for k, v in row.items() if k not in keys}
            print(json.dumps(ordered, ensure_ascii=False), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
