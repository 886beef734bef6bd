"""Why a change to a rubric was refused; raised by services and selectors, shown by views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from rubrics.models import Rubric


class RubricLocked(Exception):
    """A change was asked of a published rubric version."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        super().__init__(
            _(
                "%(slug)s version %(version)s is published and can no longer change; "
                "edit it to make the next version."
            )
            % {"slug": rubric.slug, "version": rubric.version}
        )


class RubricInUse(Exception):
    """A draft, group or criterion that something else still points at cannot be removed."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        super().__init__(
            _(
                "%(slug)s version %(version)s is in use (a review project or a judge points at "
                "it), so this cannot be deleted."
            )
            % {"slug": rubric.slug, "version": rubric.version}
        )
