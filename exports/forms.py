"""The specification form: projects the lead leads, curation rules, pair sources, splits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Project
from dialogues.models import Language
from exports.models import DpoSource, ExportSpecification, SftStartChoice
from exports.selectors import projects_criterion_codes
from exports.services.agreement import PAIR_ITEM_SOURCES
from exports.services.curation_rules import rules_problem
from exports.services.judge_items import judge_configs_for_specification, judge_rules_problem
from exports.writers import WRITERS


def _parse_bars(text: str, *, field: str, upper: Decimal | None = None) -> dict[str, str]:
    """``code = number`` per line; errors name the line."""
    bars: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, sep, value = line.partition("=")
        code, value = code.strip(), value.strip()
        if not sep or not code or not value:
            raise forms.ValidationError(
                _("%(field)s, line %(line)d: write it as criterion = number")
                % {
                    "field": field,
                    "line": number,
                }
            )
        try:
            bar = Decimal(value)
        except InvalidOperation:
            raise forms.ValidationError(
                _("%(field)s, line %(line)d: %(value)s is not a number")
                % {"field": field, "line": number, "value": value}
            ) from None
        if not bar.is_finite() or (upper is not None and bar > upper):
            raise forms.ValidationError(
                _("%(field)s, line %(line)d: %(value)s is out of range")
                % {"field": field, "line": number, "value": value}
            )
        bars[code] = str(bar)
    return bars


class SpecificationForm(forms.ModelForm):
    min_scores_text = forms.CharField(
        label=gettext_lazy("Minimum score per criterion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: criterion code = lowest final score"),
    )
    min_agreement_text = forms.CharField(
        label=gettext_lazy("Minimum agreement per criterion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: criterion code = lowest Krippendorff's alpha (for example 0.667)"
        ),
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every language"),
    )
    source_formats_text = forms.CharField(
        label=gettext_lazy("Source formats"),
        required=False,
        help_text=gettext_lazy("Comma-separated, for example cactus, psychocounsel; empty: all"),
    )
    dpo_sources = forms.MultipleChoiceField(
        label=gettext_lazy("Where pairs come from"),
        choices=DpoSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    formats = forms.MultipleChoiceField(
        label=gettext_lazy("File formats"),
        choices=[(name, name) for name in sorted(WRITERS)],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ExportSpecification
        fields = [
            "name",
            "projects",
            "kind",
            "min_total",
            "min_reviewers",
            "sft_mode",
            "sft_start",
            "system_prompt_mode",
            "system_prompt_text",
            "tie_policy",
            "margin_threshold",
            "train_ratio",
            "validation_ratio",
            "test_ratio",
            "seed",
            "judge",
            "judge_max_uncertainty",
        ]
        widgets = {
            "projects": forms.CheckboxSelectMultiple,
            "system_prompt_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, led: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = self.fields["projects"]
        projects.queryset = led if led is not None else Project.objects.none()  # type: ignore[attr-defined]
        judge = self.fields["judge"]
        judge.queryset = judge_configs_for_specification(led=led)  # type: ignore[attr-defined]
        judge.required = False
        judge.label_from_instance = lambda config: (  # type: ignore[attr-defined]
            f"{config.name} ({config.project.slug}, {config.model})"
        )
        judge.help_text = _(
            "Also export items nobody reviewed that this judge is sure about, marked as the "
            "judge's in the provenance. Empty: only items a lead approved."
        )
        self.fields["judge_max_uncertainty"].required = False
        self.fields["judge_max_uncertainty"].help_text = _(
            "0 (strict): every answer of the judge agrees. Up to 0.29; from 0.3 items go to humans."
        )
        # Older clients and scripts post no start rule: the source's opening is kept.
        self.fields["sft_start"].required = False
        if not self.is_bound:
            self.initial.setdefault("formats", ["parquet", "jsonl"])
            self.initial.setdefault("dpo_sources", [DpoSource.PAIRWISE, DpoSource.REWRITES])

    def clean_judge_max_uncertainty(self) -> Decimal:
        value = self.cleaned_data.get("judge_max_uncertainty")
        return Decimal(0) if value is None else value

    def clean_sft_start(self) -> str:
        return self.cleaned_data.get("sft_start") or SftStartChoice.KEEP

    def clean_min_scores_text(self) -> dict[str, str]:
        return _parse_bars(self.cleaned_data["min_scores_text"], field=_("Minimum score"))

    def clean_min_agreement_text(self) -> dict[str, str]:
        return _parse_bars(
            self.cleaned_data["min_agreement_text"],
            field=_("Minimum agreement"),
            upper=Decimal(1),
        )

    def clean_source_formats_text(self) -> list[str]:
        text = self.cleaned_data["source_formats_text"]
        return sorted({part.strip() for part in text.split(",") if part.strip()})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ratios = [data.get(name) for name in ("train_ratio", "validation_ratio", "test_ratio")]
        if all(r is not None for r in ratios) and sum(ratios) != 1:  # type: ignore[arg-type]
            self.add_error(
                "test_ratio",
                _("The train, validation and test shares must add up to 1 (they add up to %(s)s).")
                % {"s": sum(ratios)},  # type: ignore[arg-type]
            )
        if data.get("kind") == "dpo" and not data.get("dpo_sources"):
            self.add_error("dpo_sources", _("A DPO export needs at least one source of pairs."))
        if data.get("system_prompt_mode") == "fixed" and not data.get("system_prompt_text"):
            self.add_error("system_prompt_text", _("Write the fixed system prompt."))
        problem = rules_problem(
            kind=data.get("kind", ""),
            dpo_sources=data.get("dpo_sources") or (),
            min_total=data.get("min_total"),
            min_scores=data.get("min_scores_text"),
        )
        if problem:
            field = "min_scores_text" if data.get("min_scores_text") else "min_total"
            self.add_error(field, problem)
        if data.get("projects"):
            self._check_codes(data)
            for name, message in judge_rules_problem(
                judge=data.get("judge"),
                project_ids=[project.pk for project in data["projects"]],
                kind=data.get("kind", ""),
                dpo_sources=data.get("dpo_sources") or (),
                max_uncertainty=data.get("judge_max_uncertainty"),
            ).items():
                self.add_error(name, message)
        return data

    def _check_codes(self, data: dict[str, Any]) -> None:
        """Each criterion a bar names must exist in the projects' rubrics: a misspelt code
        would otherwise leave out every item (scores) or be measured as nothing (agreement)."""
        pairs = data.get("kind") == "dpo" and bool(
            PAIR_ITEM_SOURCES & set(data.get("dpo_sources") or ())
        )
        known = projects_criterion_codes(projects=data["projects"], pairs=pairs)
        for name, label in (
            ("min_scores_text", _("Minimum score")),
            ("min_agreement_text", _("Minimum agreement")),
        ):
            unknown = sorted(set(data.get(name) or {}) - known)
            if unknown:
                self.add_error(
                    name,
                    _(
                        "%(field)s: no rubric of the chosen projects has a criterion "
                        "%(codes)s (known criteria: %(known)s)"
                    )
                    % {
                        "field": label,
                        "codes": ", ".join(unknown),
                        "known": ", ".join(sorted(known)) or "—",
                    },
                )

    def save(self, commit: bool = True) -> ExportSpecification:
        specification = super().save(commit=False)
        specification.min_scores = self.cleaned_data["min_scores_text"]
        specification.min_agreement = self.cleaned_data["min_agreement_text"]
        specification.languages = sorted(self.cleaned_data["languages"])
        specification.source_formats = self.cleaned_data["source_formats_text"]
        specification.dpo_sources = sorted(self.cleaned_data["dpo_sources"])
        # The first format is the folder's default; Parquet first when chosen.
        specification.formats = sorted(self.cleaned_data["formats"], key=lambda f: f != "parquet")
        if commit:
            specification.save()
            self.save_m2m()
        return specification
