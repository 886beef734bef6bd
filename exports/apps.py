from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"

    def ready(self) -> None:
        # Every process must know the kind's label and hooks (see dialogues.apps).
        from django.utils.translation import gettext_lazy as _

        from core.models import register_job_kind
        from exports.models import EXPORT_BUILD_KIND
        from exports.services.building import export_version_requeue, export_version_settle

        register_job_kind("exports.to_bucket", _("Copy to a bucket"))
        register_job_kind(
            EXPORT_BUILD_KIND,
            _("Export build"),
            on_failed=export_version_settle,
            on_retry=export_version_requeue,
        )
