"""Full-text search over turns on PostgreSQL: a pg_trgm GIN index serves ``icontains``.

Trigrams work for Chinese as well as English (no word segmentation needed) for searches of
three characters or more; SQLite has no such index and scans, which is fine at its scale.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "dialogues_turn_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON dialogues_turn USING gin (text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0001_sessions")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
