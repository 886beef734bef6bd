from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"

    def ready(self) -> None:
        # Every process must know the kinds' labels and hooks (see dialogues.apps).
        from django.utils.translation import gettext_lazy as _

        from core.models import register_job_kind
        from review.services.judging import judge_run_settle

        register_job_kind("review.judge_run", _("Judge run"), on_failed=judge_run_settle)
        register_job_kind("review.agreement_refresh", _("Agreement refresh"))
