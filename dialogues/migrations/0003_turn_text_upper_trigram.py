"""Index what the search compares: Django's ``icontains`` on PostgreSQL is ``UPPER(text) LIKE``.

0002 indexed the bare text, which that comparison cannot use; this replaces it with a trigram
index on ``UPPER(text)``.
"""

from django.db import migrations

OLD = "dialogues_turn_text_trgm"
NEW = "dialogues_turn_text_upper_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NEW} ON dialogues_turn "
            "USING gin (UPPER(text) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NEW}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD} ON dialogues_turn USING gin (text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0002_turn_text_trigram")]

    operations = [migrations.RunPython(forwards, backwards)]
