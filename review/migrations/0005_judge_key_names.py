"""Judges name their key by the operator's label, no longer by an environment variable.

A row that named ``RAPPORT_JUDGE_KEY_OPENAI`` now names ``openai``, which is the same key.
Any other variable name is carried over in lower case: unless the operator configures a key of
that name, the judge stops with "not one of the keys" until a lead picks one (docs/judges.md).
"""

from django.db import migrations, models

import review.models.judges

PREFIX = "RAPPORT_JUDGE_KEY_"


def to_labels(apps, schema_editor):
    JudgeConfig = apps.get_model("review", "JudgeConfig")
    for config in JudgeConfig.objects.all():
        name = config.api_key_name or ""
        if name.startswith(PREFIX):
            name = name[len(PREFIX) :]
        label = "".join(c for c in name.lower() if c.isalnum() or c == "_")[:50]
        if label != config.api_key_name:
            config.api_key_name = label
            config.save(update_fields=["api_key_name"])


class Migration(migrations.Migration):
    dependencies = [("review", "0004_review_workflow")]

    operations = [
        migrations.RenameField("judgeconfig", "api_key_env", "api_key_name"),
        migrations.RunPython(to_labels, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="judgeconfig",
            name="api_key_name",
            field=models.CharField(
                blank=True,
                help_text=(
                    "One of the keys this server's operator configured for judges, by its "
                    "name; empty for a server that needs no key."
                ),
                max_length=50,
                validators=[review.models.judges.validate_key_name],
                verbose_name="API key",
            ),
        ),
    ]
