"""Arguments shared by the agreement and judge commands: --project SLUG, --rubric SLUG."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser
from django.http import Http404

from core.models import Project
from rubrics.models import Rubric
from rubrics.selectors import rubric_latest_published, rubric_version_get


def rubric_arguments(parser: CommandParser, *, required: bool) -> None:
    parser.add_argument("--rubric", required=required, metavar="SLUG", help="rubric slug")
    parser.add_argument(
        "--rubric-version",
        type=int,
        help="the rubric version (default: the latest published one)",
    )


def project_from(slug: str) -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with the slug {slug!r}")
    return project


def rubric_from(slug: str | None, version: int | None) -> Rubric | None:
    if not slug:
        return None
    try:
        if version is None:
            return rubric_latest_published(slug=slug)
        return rubric_version_get(slug=slug, version=version)
    except Http404 as exc:
        which = f"version {version}" if version else "a published version"
        raise CommandError(f"No rubric {slug!r} with {which}") from exc
