"""The stored triage ranking that the "triage" queue order reads.

The ranking is refreshed after every judge run, whenever a lead changes the control share or
the queue order, and by ``manage.py triage --refresh``. Crisis flags are not stored: the queue
reads them as it hands out items, so a flag raised a minute ago already counts.

Refreshing replaces the project's rows in one transaction; a reviewer asking for the next item
meanwhile reads either the old ranking or the new one, never half of each, and the item's row
lock (``review.services.assignment``) still decides who gets a slot. Two refreshes at once (a
judge run ending while a lead saves the settings) take turns on the project's settings row:
each deleted the old rows and inserted new ones, and the second insert ran into the first's
rows. The plan is made under that lock, so the later refresh also uses the latest share.
"""

from __future__ import annotations

from django.db import transaction

from core.models import Project
from review.models import ReviewSettings
from review.models.triage import TriageRank
from review.selectors.access import review_settings_for
from review.selectors.triage import triage_plan


def triage_refresh(*, project: Project) -> int:
    """Recompute every open item's band and priority; returns how many items were ranked."""
    review_settings_for(project=project)  # made on first use, so there is a row to lock
    with transaction.atomic():
        settings = ReviewSettings.objects.select_for_update().get(project=project)
        plan = triage_plan(
            project=project, control_share=settings.triage_control_share, with_crisis=False
        )
        rows = [
            TriageRank(
                item_id=item_id, band=place.band, priority=place.priority, control=place.control
            )
            for item_id, place in plan.items()
        ]
        TriageRank.objects.filter(item__project=project).delete()
        TriageRank.objects.bulk_create(rows)
    return len(rows)
