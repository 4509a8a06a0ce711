"""Loading the shipped reference tables (GB/T 4754-2017 industries, GB/T 2260 regions).

Used by the data migration with historical models, so it takes the model classes as arguments.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
INDUSTRY_CSV = DATA_DIR / "gbt4754_2017.csv"
REGIONS_CSV = DATA_DIR / "regions.csv"


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_industries(Industry):
    rows = read_csv(INDUSTRY_CSV)
    # Parents come before children in the file; insert level by level so FKs resolve.
    for level in ("section", "division", "group", "class"):
        Industry.objects.bulk_create(
            [
                Industry(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None)
                for r in rows
                if r["level"] == level
            ],
            ignore_conflicts=True,
        )


def load_regions(Region):
    rows = read_csv(REGIONS_CSV)
    for level in ("province", "city", "county", "town"):
        Region.objects.bulk_create(
            [
                Region(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],
                    parent_id=r["parent"] or None,
                    lng=float(r["lng"]) if r["lng"] else None,
                    lat=float(r["lat"]) if r["lat"] else None,
                    approximate=r["approximate"] in ("1", "true", "True"),
                )
                for r in rows
                if r["level"] == level
            ],
            ignore_conflicts=True,
        )
