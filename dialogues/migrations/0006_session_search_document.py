"""Search reads one document per session, built after an import, instead of every turn's index.

The trigram index on ``UPPER(dialogues_turn.text)`` (0003) put every trigram of every turn into
a GIN index while the import wrote the turns: five to ten times the cost of storing them. This
adds ``dialogues_sessionsearch`` (a session's turns, upper-cased, in one text) with a trigram
index, fills it for the sessions already stored, and drops the per-turn index.
"""

import django.db.models.deletion
from django.db import migrations, models

TURN_INDEX = "dialogues_turn_text_upper_trgm"
DOCUMENT_INDEX = "dialogues_sessionsearch_document_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Documents of a few kilobytes stay in the row uncompressed: compressing them cost
        # more than a third of writing them, and every search reads them back.
        schema_editor.execute(
            "ALTER TABLE dialogues_sessionsearch SET (toast_tuple_target = 8160)"
        )
        schema_editor.execute(
            "INSERT INTO dialogues_sessionsearch (session_id, document) "
            "SELECT session_id, UPPER(string_agg(text, E'\\n' ORDER BY index)) "
            "FROM dialogues_turn GROUP BY session_id"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {DOCUMENT_INDEX} ON dialogues_sessionsearch "
            "USING gin (document gin_trgm_ops)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {TURN_INDEX}")
    else:
        schema_editor.execute(
            "INSERT INTO dialogues_sessionsearch (session_id, document) "
            "SELECT session_id, UPPER(group_concat(text, char(10))) FROM "
            '(SELECT session_id, text FROM dialogues_turn ORDER BY session_id, "index") '
            "GROUP BY session_id"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TURN_INDEX} ON dialogues_turn "
            "USING gin (UPPER(text) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("dialogues", "0005_importbatch_left_out")]

    operations = [
        migrations.CreateModel(
            name="SessionSearch",
            fields=[
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="dialogues.session",
                        verbose_name="session",
                    ),
                ),
                ("document", models.TextField(verbose_name="search document")),
            ],
            options={
                "verbose_name": "session search document",
                "verbose_name_plural": "session search documents",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
