"""Drop the three pattern (LIKE) indexes PostgreSQL got beside the ticket's number, phone hash and
town: every query matches those columns exactly (their plain btree indexes stay), no query uses a
LIKE on them, and each index costs on every intake's INSERT (the three: 0.3 GB at 5M tickets).

Django creates such `_like` indexes for indexed character columns on PostgreSQL only and keeps no
state of them, so this is a database operation alone; other databases have none to drop."""

from django.db import migrations

INDEXES = [  # (Django's name for it, column)
    ("hotline_ticket_number_2701b2b4_like", "number"),
    ("hotline_ticket_phone_hash_4f71d6c6_like", "phone_hash"),
    ("hotline_ticket_town_id_9988ae0c_like", "town_id"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "hotline_ticket" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0006_scheduled_run"),
    ]

    operations = [migrations.RunPython(drop, create)]
