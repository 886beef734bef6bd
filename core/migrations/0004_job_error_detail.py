"""Keep an unexpected error's traceback apart from the report every viewer of the job reads.

Reports written before this split carry the traceback after a blank line; it is moved over.
"""

from django.db import migrations, models

MARK = "\n\nTraceback (most recent call last):"


def split_tracebacks(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    for job in Job.objects.filter(error_report__contains=MARK.strip()).only("pk", "error_report"):
        report, found, rest = job.error_report.partition(MARK)
        if found:
            Job.objects.filter(pk=job.pk).update(
                error_report=report, error_detail=MARK.strip() + rest
            )


def join_tracebacks(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    for job in Job.objects.exclude(error_detail="").only("pk", "error_report", "error_detail"):
        Job.objects.filter(pk=job.pk).update(
            error_report=job.error_report + "\n\n" + job.error_detail
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="error_detail",
            field=models.TextField(blank=True, verbose_name="error details"),
        ),
        migrations.RunPython(split_tracebacks, join_tracebacks, elidable=True),
    ]
