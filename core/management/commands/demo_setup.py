from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.demo import DEMO_PEOPLE, credentials_path, demo_setup


class Command(BaseCommand):
    help = (
        "Load the demo project, its accounts and sample content. Safe to run again: it changes "
        "nothing that is already there. Prints where to sign in and the demo passwords."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = demo_setup(log=lambda text: self.stdout.write(f"  {text}"))
        roles = {name: (role.label if role else "administrator") for name, role, _ in DEMO_PEOPLE}
        width = max(len(name) for name in credentials)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Rapport demo is ready at {options['url']}"))
        self.stdout.write("Sign in as one of these (passwords are random to this installation):")
        for name, _role, _admin in DEMO_PEOPLE:
            self.stdout.write(f"  {name.ljust(width)}  {credentials[name]}  ({roles[name]})")
        self.stdout.write(f"(kept in {credentials_path()})")
