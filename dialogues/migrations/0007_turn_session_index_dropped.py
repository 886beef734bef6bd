"""Turns lose the index of their session foreign key: the unique (session, index) constraint's
index starts with the session and serves every lookup by it, and an import of 600,000 turns
spent half a second of database CPU keeping the second one.

Only the index goes; the foreign key constraint stays as it is (Django's own AlterField would
drop it and add it again, checking every turn).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "dialogues_turn_session_id_cdce9e29"


def forwards(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def backwards(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON dialogues_turn (session_id)")


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0006_session_search_document")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="turn",
                    name="session",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="turns",
                        to="dialogues.session",
                        verbose_name="session",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
