from django.apps import AppConfig


class DialoguesConfig(AppConfig):
    name = "dialogues"

    def ready(self) -> None:
        # Here rather than in tasks.py: every process (web, worker, commands) must know the
        # kind's label and hooks, whether or not it imported the task module.
        from django.utils.translation import gettext_lazy as _

        from core.models import register_job_kind
        from dialogues.models import IMPORT_KIND
        from dialogues.services.imports import import_batch_requeue, import_batch_settle

        register_job_kind(
            IMPORT_KIND,
            _("Session import"),
            on_failed=import_batch_settle,
            on_retry=import_batch_requeue,
            progress_unit="bytes",
        )
