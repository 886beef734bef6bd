from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Field

from core.audit import AuditAction, audit_record
from core.models import Project, Role
from core.services import membership_set, user_create


class Command(BaseCommand):
    help = (
        "Make a user account (Rapport has no sign-up). Prints a random password once unless "
        "--password-stdin is given. Optionally adds the user to a project with a role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--admin", action="store_true", help="may use the Django admin")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument("--project", help="slug of a project to add the user to")
        parser.add_argument("--role", choices=Role.values, help="the user's role in --project")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user_model = get_user_model()
        try:
            field = user_model._meta.get_field(user_model.USERNAME_FIELD)
            assert isinstance(field, Field)
            field.run_validators(username)
        except ValidationError as exc:
            raise CommandError(
                f"{username!r} is not a valid user name: {' '.join(exc.messages)}"
            ) from exc
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"a user named {username!r} already exists")
        if bool(options["project"]) != bool(options["role"]):
            raise CommandError("--project and --role go together")
        project = None
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"no project with slug {options['project']!r}")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("no password on standard input")
        user, password = user_create(
            username=username,
            email=options["email"],
            password=password,
            is_superuser=options["admin"],
        )
        if project is not None:
            membership = membership_set(project=project, user=user, role=options["role"])
            audit_record(
                actor=None,
                action=AuditAction.MEMBER_SET,
                obj=membership,
                project=project,
                after={"user": user.username, "role": membership.role},
                reason="manage.py create_user",
            )
        self.stdout.write(self.style.SUCCESS(f"Created user {username}"))
        if not options["password_stdin"]:
            self.stdout.write(f"Password (shown once): {password}")
