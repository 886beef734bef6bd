"""Forms of the agreement pages: the dashboard's filters and a judge configuration."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from review.judges.endpoint import judge_api_keys
from review.judges.network import base_url_problem
from review.judges.prompts import PROMPTS_DIR
from review.models import JudgeConfig
from rubrics.models import Rubric

UNKNOWN_KEY = _("This is not one of the keys this server's operator configured for judges.")


def prompt_versions() -> list[str]:
    """The template versions shipped for both kinds of question (score and pairwise)."""
    found: dict[str, set[str]] = {}
    for path in PROMPTS_DIR.glob("*_v*.*.txt"):
        kind, rest = path.name.split("_", 1)
        found.setdefault(rest.split(".", 1)[0], set()).add(kind)
    return sorted(v for v, kinds in found.items() if {"score", "pairwise"} <= kinds)


def _rubric_label(rubric: Rubric) -> str:
    return f"{rubric.title} (v{rubric.version})"


class AgreementFilterForm(forms.Form):
    rubric = forms.ModelChoiceField(
        queryset=Rubric.objects.none(), required=False, label=_("Rubric version")
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, rubrics: list[Rubric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rubric"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Rubric.objects.filter(pk__in=[r.pk for r in rubrics])
        field.label_from_instance = _rubric_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period comes before its start."))
        return data

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The period as aware datetimes: from the start of `since` to the end of `until`."""
        data = self.cleaned_data if self.is_valid() else {}
        since, until = data.get("since"), data.get("until")
        zone = timezone.get_current_timezone()
        start = datetime.combine(since, time.min, tzinfo=zone) if since else None
        end = None
        if until:
            end = datetime.combine(until, time.min, tzinfo=zone) + timedelta(days=1)
        return start, end


class JudgeConfigForm(forms.ModelForm):
    prompt_version = forms.ChoiceField(label=_("Prompt template version"))
    # The operator's keys by label (JUDGE_API_KEYS): a lead picks one, never names a variable.
    api_key_name = forms.ChoiceField(
        label=_("API key"),
        required=False,
        help_text=_(
            "The keys this server's operator configured for judges. The key itself is never "
            "shown or stored."
        ),
        error_messages={"invalid_choice": UNKNOWN_KEY},
    )
    # A local vLLM or Ollama answers on plain http, so the scheme is always written out.
    base_url = forms.URLField(label=_("Base URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = JudgeConfig
        fields = [
            "name",
            "base_url",
            "model",
            "api_key_name",
            "rubric",
            "prompt_version",
            "language",
            "temperature",
            "samples",
            "few_shot",
            "max_tokens",
            "concurrency",
            "timeout",
            "retries",
            "use_json_schema",
            "price_prompt_per_1k",
            "price_completion_per_1k",
        ]

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        versions = self.fields["prompt_version"]
        assert isinstance(versions, forms.ChoiceField)
        versions.choices = [(v, v) for v in prompt_versions()]
        rubric = self.fields["rubric"]
        assert isinstance(rubric, forms.ModelChoiceField)
        rubric.queryset = Rubric.objects.filter(
            status=Rubric.Status.PUBLISHED, scope="session"
        ).order_by("slug", "-version")
        rubric.label_from_instance = _rubric_label  # type: ignore[method-assign,assignment]
        keys = self.fields["api_key_name"]
        assert isinstance(keys, forms.ChoiceField)
        keys.choices = [("", _("No key (the server needs none)"))] + [
            (name, name) for name in sorted(judge_api_keys())
        ]

    def clean_base_url(self) -> str:
        value: str = self.cleaned_data["base_url"]
        problem = base_url_problem(value)
        if problem:
            raise forms.ValidationError(
                _(
                    "This server does not let judges call %(host)s. Its operator lists the "
                    "hosts judges may call (JUDGE_ALLOWED_HOSTS)."
                )
                % {"host": urlsplit(value).hostname or value}
            )
        return value

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        others = JudgeConfig.objects.filter(project=self.project, name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This project already has a judge with this name."))
        return name

    def _post_clean(self) -> None:
        # The project is not a form field, yet model validation (the unique name) needs it.
        self.instance.project = self.project
        super()._post_clean()  # type: ignore[misc]


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it needs another review"), max_length=1000, widget=forms.TextInput
    )
