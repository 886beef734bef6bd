"""Forms of the review pages. They check shapes; the services check the rules.

- the lead's pages: project settings and creation, members, adding items, reasons, approval rules,
  adjudicating a pair;
- the agreement pages: the dashboard's filters, a judge configuration, sending an item back.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.limits import GUIDELINES_MAX_CHARS, TEXT_MAX_CHARS
from core.models import Role
from dialogues.models import Language
from review.judges.endpoint import judge_api_keys
from review.judges.network import base_url_problem
from review.judges.prompts import PROMPTS_DIR
from review.models import Choice, Item, JudgeConfig, ReviewSettings, TaskKind
from review.services.approval import ApprovalRule
from review.services.projects import SettingsChange
from rubrics.models import Rubric, Scope


class RubricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} (v{obj.version})"


class SettingsForm(forms.ModelForm):
    name = forms.CharField(label=_("Project name"), max_length=200)
    task_kinds = forms.MultipleChoiceField(
        label=_("Task kinds"),
        choices=TaskKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    rubric = RubricChoiceField(
        label=_("Rubric version"),
        queryset=Rubric.objects.none(),
        required=False,
        help_text=_("Published versions only. Fixed once the first review is written."),
    )
    pair_rubric = RubricChoiceField(
        label=_("Principles for pairs"),
        queryset=Rubric.objects.none(),
        required=False,
        help_text=_("Optional: reviewers may say which response is better on each principle."),
    )

    class Meta:
        model = ReviewSettings
        fields = [
            "guidelines",
            "rubric",
            "pair_rubric",
            "task_kinds",
            "overlap",
            "queue_order",
            "triage_control_share",
            "reservation_minutes",
            "reveal_after_submit",
            "adjudication_spread",
            "require_calibration",
            "calibration_pass_share",
            "calibration_tolerance",
            "due_date",
        ]
        widgets = {
            "guidelines": forms.Textarea(attrs={"rows": 10, "maxlength": GUIDELINES_MAX_CHARS}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "queue_order": forms.RadioSelect,
        }
        help_texts = {
            "guidelines": _("Markdown. Shown to every reviewer beside their work."),
            "overlap": _("How many different reviewers review each item."),
            "queue_order": _(
                "Completing items first lets agreement and adjudication start early; spreading "
                "gives every item a first review before any gets a second; triage puts "
                "crisis-flagged items first, then items where the judges are unsure or disagree, "
                "then a random control slice."
            ),
            "triage_control_share": _(
                "Share of items drawn at random for the triage order's control slice, between "
                "0 and 1 (0.1 is 10%), so the judges' error can be measured without bias."
            ),
            "adjudication_spread": _(
                "An item needs adjudication when any criterion's scores differ by at least "
                "this much (pairs: when reviewers choose differently)."
            ),
            "calibration_pass_share": _(
                "Share of gold answers that must agree, between 0 and 1 (0.8 is 80%)."
            ),
            "calibration_tolerance": _("How far from the expected score still agrees."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["name"])
        if self.instance.project_id:
            self.fields["name"].initial = self.instance.project.name
        published = Rubric.objects.filter(status=Rubric.Status.PUBLISHED).order_by(
            "slug", "-version"
        )
        self.fields["rubric"].queryset = published.filter(scope=Scope.SESSION)  # type: ignore[attr-defined]
        self.fields["pair_rubric"].queryset = published.filter(  # type: ignore[attr-defined]
            scope__in=[Scope.RESPONSE, Scope.RESPONSE_PAIR]
        )

    def change(self) -> SettingsChange:
        data = self.cleaned_data
        # Fields a form leaves out keep the model's defaults (the create form asks for fewer).
        defaults = ReviewSettings()
        values: dict[str, Any] = {
            name: data[name] if name in data else getattr(defaults, name, None)
            for name in SettingsChange.__dataclass_fields__
        }
        return SettingsChange(**values)


class ProjectCreateForm(SettingsForm):
    """A new review project: its name and slug and the settings a lead decides first."""

    slug = forms.SlugField(
        label=_("Slug"),
        max_length=80,
        help_text=_("Part of the project's web addresses; letters, numbers and hyphens."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta(SettingsForm.Meta):
        fields = ["rubric", "pair_rubric", "task_kinds", "overlap", "due_date", "guidelines"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["name", "slug", "description"])


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SessionFilterForm(forms.Form):
    source_format = forms.ChoiceField(label=_("Source format"), required=False)
    batch = forms.ChoiceField(label=_("Import batch"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("any")), *Language.choices]
    )
    topic = forms.CharField(label=_("Topic contains"), required=False, max_length=200)
    flags = forms.ChoiceField(
        label=_("Screening flags"),
        required=False,
        choices=[
            ("", _("any")),
            ("none", _("no open flags")),
            ("open", _("with open flags")),
        ],
    )

    def __init__(self, *args: Any, options: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_format"].choices = [("", _("any"))] + [  # type: ignore[attr-defined]
            (name, name) for name in options.source_formats
        ]
        self.fields["batch"].choices = [("", _("any"))] + [  # type: ignore[attr-defined]
            (str(batch.pk), batch.name) for batch in options.batches
        ]


class AddItemsForm(forms.Form):
    KINDS = [
        ("session", _("Sessions to score")),
        ("pair", _("Response pairs to compare")),
    ]
    kind = forms.ChoiceField(label=_("Add as"), choices=KINDS, initial="session")
    # "all": every session the filter matches; "selected": only the ticked ones.
    scope = forms.ChoiceField(choices=[("all", "all"), ("selected", "selected")])
    sessions = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, session_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = [(pk, pk) for pk in session_ids]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        # No max_length here: an invalid form would read as "no reason" and approve anyway;
        # the services refuse an overlong reason with their own message.
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApprovalRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Items"),
        required=False,
        choices=[("", _("all kinds")), *Item.Kind.choices],
    )
    min_total = forms.DecimalField(
        label=_("Final total at least"),
        required=False,
        help_text=_("Session items only; leave empty for any total."),
    )
    without_flags = forms.BooleanField(
        label=_("Leave out items with an open screening flag or a reviewer's flag"),
        required=False,
        initial=True,
    )

    def rule(self) -> ApprovalRule:
        data = self.cleaned_data
        return ApprovalRule(
            kind=data.get("kind") or "",
            min_total=data.get("min_total"),
            without_flags=bool(data.get("without_flags")),
        )


class PairChoiceForm(forms.Form):
    choice = forms.ChoiceField(label=_("Final choice"), choices=Choice.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )


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
