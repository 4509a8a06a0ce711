"""Loads 职业分类大典 2022 from data/csco22.csv (see data/SOURCES.md)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "csco22.csv"


def parent_code(code):
    parts = code.split("-")
    for i in range(len(parts) - 1, 0, -1):
        if int(parts[i]) != 0:
            parts[i] = "0" * len(parts[i])
            return "-".join(parts)
    return None


def load(apps, schema_editor):
    Occupation = apps.get_model("bargaining", "Occupation")
    rows = {}
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["code"], row)  # the package repeats four codes: keep the first
    objs = [
        Occupation(code=code, name=r["name"][:60], level=int(r["level"]), definition=r["definition"])
        for code, r in rows.items()
    ]
    Occupation.objects.bulk_create(objs, batch_size=1000)
    with_parent = []
    for obj in objs:
        parent = parent_code(obj.code)
        while parent is not None and parent not in rows:
            parent = parent_code(parent)
        if parent is not None:
            obj.parent_id = parent
            with_parent.append(obj)
    Occupation.objects.bulk_update(with_parent, ["parent"], batch_size=1000)


def unload(apps, schema_editor):
    apps.get_model("bargaining", "Occupation").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("bargaining", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
