from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from review.management.commands._agreement_args import project_from, rubric_from
from review.models import JudgeConfig
from review.services.judging import judge_config_save

# Option name -> model field, for the options that map one to one.
PLAIN = {
    "base_url": "base_url",
    "model": "model",
    "api_key": "api_key_name",
    "temperature": "temperature",
    "samples": "samples",
    "few_shot": "few_shot",
    "max_tokens": "max_tokens",
    "concurrency": "concurrency",
    "timeout": "timeout",
    "retries": "retries",
    "prompt_version": "prompt_version",
    "language": "language",
    "price_prompt": "price_prompt_per_1k",
    "price_completion": "price_completion_per_1k",
}


def _price(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise CommandError(f"{value!r} is not a price (a number such as 0.0025)") from exc


class Command(BaseCommand):
    help = (
        "Create a judge configuration of a project, or change the given fields of an existing "
        "one (by name), so judge_run works without the browser. The key itself is never "
        "stored: --api-key picks, by its name, one of the keys the operator configured "
        "(RAPPORT_JUDGE_KEY_<NAME>)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--name", required=True, help="the judge's name in the project")
        parser.add_argument("--base-url", help="an OpenAI-compatible endpoint, e.g. .../v1")
        parser.add_argument("--model")
        parser.add_argument(
            "--api-key",
            metavar="NAME",
            help="the name of one of the operator's judge keys; '' for a server needing none",
        )
        parser.add_argument(
            "--rubric", metavar="SLUG", help="score against this rubric (default: project's)"
        )
        parser.add_argument("--rubric-version", type=int)
        parser.add_argument(
            "--project-rubric", action="store_true", help="clear the judge's own rubric"
        )
        parser.add_argument("--temperature", type=float)
        parser.add_argument(
            "--samples", type=int, help="ask each question N times (needs temperature > 0)"
        )
        parser.add_argument(
            "--few-shot", type=int, metavar="N", help="show N adjudicated items as examples"
        )
        parser.add_argument("--max-tokens", type=int)
        parser.add_argument("--concurrency", type=int)
        parser.add_argument("--timeout", type=float, help="seconds")
        parser.add_argument("--retries", type=int)
        parser.add_argument("--prompt-version")
        parser.add_argument("--language", choices=["en", "zh"])
        parser.add_argument("--json-schema", action="store_true", default=None)
        parser.add_argument("--no-json-schema", dest="json_schema", action="store_false")
        parser.add_argument("--price-prompt", type=_price, help="per 1,000 prompt tokens")
        parser.add_argument("--price-completion", type=_price, help="per 1,000 completion tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_from(options["project"])
        config = JudgeConfig.objects.filter(project=project, name=options["name"]).first()
        fields: dict[str, Any] = {"name": options["name"]}
        for option, name in PLAIN.items():
            if options[option] is not None:
                fields[name] = options[option]
        if options["json_schema"] is not None:
            fields["use_json_schema"] = options["json_schema"]
        if options["rubric"]:
            fields["rubric"] = rubric_from(options["rubric"], options["rubric_version"])
        elif options["project_rubric"]:
            fields["rubric"] = None
        if config is None:
            missing = [
                f"--{flag}"
                for flag, name in (
                    ("base-url", "base_url"),
                    ("model", "model"),
                )
                if name not in fields
            ]
            if missing:
                raise CommandError(
                    f"No judge {options['name']!r} in {project.slug} yet; to create it give "
                    + ", ".join(missing)
                )
        try:
            saved = judge_config_save(project=project, config=config, fields=fields, actor=None)
        except ValidationError as exc:
            problems = [
                f"{field}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
            raise CommandError("the judge was not saved:\n" + "\n".join(problems)) from exc
        rubric = f"{saved.rubric.slug} v{saved.rubric.version}" if saved.rubric else "project's"
        self.stdout.write(
            f"judge {saved.name} {'created' if config is None else 'updated'} in {project.slug}: "
            f"{saved.model} @ {saved.base_url}, key {saved.api_key_name or 'none'}, rubric {rubric}"
        )
