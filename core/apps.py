from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Cross-cutting pieces every app may use: projects and roles, jobs, the page shell.

    It imports none of the other apps, so dialogues (which may not import review) and exports can
    both check a caller's role and record their long operations as Jobs.
    """

    name = "core"
    verbose_name = _("Projects and jobs")
