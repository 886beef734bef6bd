from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import AuditAction, audit_record
from core.models import Project
from core.services import membership_set, project_create


class Command(BaseCommand):
    help = "Make a project, optionally with its first lead."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--lead", help="user name of the project's first lead")

    def handle(self, *args: Any, **options: Any) -> None:
        if Project.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"a project with slug {options['slug']!r} already exists")
        lead = None
        if options["lead"]:
            lead = get_user_model().objects.filter(username=options["lead"]).first()
            if lead is None:
                raise CommandError(f"no user named {options['lead']!r}")
        project = project_create(
            slug=options["slug"], name=options["name"], description=options["description"]
        )
        if lead is not None:
            membership = membership_set(project=project, user=lead, role="lead")
            audit_record(
                actor=None,
                action=AuditAction.MEMBER_SET,
                obj=membership,
                project=project,
                after={"user": lead.username, "role": membership.role},
                reason="manage.py create_project",
            )
        self.stdout.write(self.style.SUCCESS(f"Created project {project.slug}"))
