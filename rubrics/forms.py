"""Forms of the draft editor. Texts have one field per language; anchors are typed as lines."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrics.files import number_out
from rubrics.models import (
    LANGUAGE_CODES,
    Criterion,
    CriterionGroup,
    Measurement,
    Rubric,
    ScaleKind,
    Scope,
    TotalMethod,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

LANGUAGE_LABELS = {"en": _("English"), "zh-hans": _("Simplified Chinese")}


def _texts(cleaned: dict[str, Any], field: str) -> dict[str, str]:
    values = {
        code: (cleaned.get(f"{field}_{code.replace('-', '_')}") or "").strip()
        for code in LANGUAGE_CODES
    }
    return {code: text for code, text in values.items() if text}


def _initial_texts(texts: dict[str, str], field: str) -> dict[str, str]:
    return {f"{field}_{code.replace('-', '_')}": texts.get(code, "") for code in LANGUAGE_CODES}


class _EditorForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels read as plain names ("Scale", not "Scale:") in both languages.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _slug_field(*, label: StrOrPromise, help_text: StrOrPromise) -> forms.SlugField:
    """A rubric's slug: the same rule for a new rubric and a copy, told in their own words."""
    return forms.SlugField(label=label, max_length=80, help_text=help_text)


def _name_fields() -> tuple[forms.CharField, forms.CharField]:
    """A rubric's name in both languages, as its editor and the copy form both ask for it."""
    return (
        forms.CharField(label=_("Name (English)"), max_length=300, required=False),
        forms.CharField(label=_("Name (Simplified Chinese)"), max_length=300, required=False),
    )


class RubricForm(_EditorForm):
    slug = _slug_field(
        label=_("Slug"),
        help_text=_(
            "Lower-case letters, digits and hyphens; it names the rubric in files and the API."
        ),
    )
    name_en, name_zh_hans = _name_fields()
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_zh_hans = forms.CharField(
        label=_("Description (Simplified Chinese)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=list(LANGUAGE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every text needs a translation in each language chosen here."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices)
    total_method = forms.ChoiceField(label=_("Total"), choices=TotalMethod.choices)
    cutoff = forms.DecimalField(
        label=_("Cut-off"),
        required=False,
        max_digits=9,
        decimal_places=3,
        help_text=_("A total at or above the cut-off passes. Leave empty for none."),
    )
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, rubric: Rubric | None = None, **kwargs: Any) -> None:
        if rubric is not None:
            kwargs.setdefault(
                "initial",
                {
                    "slug": rubric.slug,
                    "languages": rubric.languages,
                    "scope": rubric.scope,
                    "total_method": rubric.total_method,
                    "cutoff": rubric.cutoff,
                    "source": rubric.source,
                    **_initial_texts(rubric.name, "name"),
                    **_initial_texts(rubric.description, "description"),
                },
            )
        super().__init__(*args, **kwargs)
        if rubric is not None:
            # The slug names every version; it is fixed once the rubric exists.
            del self.fields["slug"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not _texts(cleaned, "name"):
            raise forms.ValidationError(_("Give the rubric a name."))
        return cleaned

    def values(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        return {
            "scope": cleaned["scope"],
            "languages": [code for code in LANGUAGE_CODES if code in cleaned["languages"]],
            "name": _texts(cleaned, "name"),
            "description": _texts(cleaned, "description"),
            "source": cleaned["source"],
            "total_method": cleaned["total_method"],
            "cutoff": cleaned["cutoff"],
        }


class GroupForm(_EditorForm):
    code = forms.RegexField(label=_("Code"), regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    title_zh_hans = forms.CharField(
        label=_("Title (Simplified Chinese)"), max_length=300, required=False
    )
    maximum = forms.DecimalField(
        label=_("Maximum"),
        required=False,
        min_value=Decimal("0.001"),
        max_digits=9,
        decimal_places=3,
        help_text=_("The group's sub-total at most; its criteria must add up to it."),
    )

    def __init__(
        self, *args: Any, rubric: Rubric, group: CriterionGroup | None = None, **kwargs: Any
    ) -> None:
        if group is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": group.code,
                    "maximum": group.maximum,
                    **_initial_texts(group.title, "title"),
                },
            )
        super().__init__(*args, **kwargs)
        self.rubric, self.group = rubric, group

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        others = self.rubric.groups.filter(code=code)
        if self.group is not None:
            others = others.exclude(pk=self.group.pk)
        if others.exists():
            raise forms.ValidationError(_("Another group has this code."))
        return code

    def values(self) -> dict[str, Any]:
        return {
            "code": self.cleaned_data["code"],
            "title": _texts(self.cleaned_data, "title"),
            "maximum": self.cleaned_data["maximum"],
        }


def _parse_anchor_lines(text: str) -> list[tuple[Decimal, str]]:
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        score, sep, words = line.partition(":")
        try:
            value = Decimal(score.strip())
        except InvalidOperation:
            value = None
        if not sep or value is None or not words.strip():
            raise forms.ValidationError(
                _("Line %(number)s: write an anchor as “score: text”, for example “2: Partly”."),
                params={"number": number},
            )
        anchors.append((value, words.strip()))
    return anchors


def _anchor_lines(anchors: list[dict[str, Any]], code: str) -> str:

    return "\n".join(
        f"{number_out(anchor['score'])}: {anchor['text'].get(code, '')}"
        for anchor in anchors
        if anchor["text"].get(code)
    )


class CriterionForm(_EditorForm):
    code = forms.RegexField(label=_("Code"), regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=CriterionGroup.objects.none(), required=False
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    title_zh_hans = forms.CharField(
        label=_("Title (Simplified Chinese)"), max_length=300, required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_zh_hans = forms.CharField(
        label=_("Description (Simplified Chinese)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    scale_kind = forms.ChoiceField(label=_("Scale"), choices=ScaleKind.choices)
    # Which of the scale fields are needed depends on the kind of scale; clean() checks.
    # A scale is an integer range: review and judges offer its levels as whole numbers.
    scale_min = forms.IntegerField(
        label=_("Lowest score"),
        initial=0,
        required=False,
        error_messages={"invalid": _("Scores are whole numbers: give an integer.")},
    )
    scale_max = forms.IntegerField(
        label=_("Highest score"),
        initial=4,
        required=False,
        error_messages={"invalid": _("Scores are whole numbers: give an integer.")},
    )
    scale_step = forms.IntegerField(
        label=_("Step"),
        initial=1,
        required=False,
        min_value=1,
        error_messages={"invalid": _("Scores are whole numbers: give an integer.")},
    )
    points = forms.DecimalField(
        label=_("Points when met"),
        initial=1,
        required=False,
        min_value=Decimal("0.001"),
        max_digits=9,
        decimal_places=3,
        help_text=_("Only for a met / not met scale."),
    )
    weight = forms.DecimalField(
        label=_("Weight"), initial=1, min_value=Decimal("0.001"), max_digits=9, decimal_places=3
    )
    allow_na = forms.BooleanField(label=_("“Not applicable” allowed"), required=False)
    rationale_required = forms.BooleanField(label=_("Rationale required"), required=False)
    measurement = forms.ChoiceField(
        label=_("Level of measurement"),
        choices=Measurement.choices,
        initial=Measurement.ORDINAL,
        help_text=_("Which agreement statistic fits this criterion's scores."),
    )
    anchors_en = forms.CharField(
        label=_("Anchors (English)"),
        widget=forms.Textarea,
        required=False,
        help_text=_("One per line as “score: text”; on a met / not met scale 1 is met, 0 not met."),
    )
    anchors_zh_hans = forms.CharField(
        label=_("Anchors (Simplified Chinese)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(
        self, *args: Any, rubric: Rubric, criterion: Criterion | None = None, **kwargs: Any
    ) -> None:
        if criterion is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": criterion.code,
                    "group": criterion.group_id,
                    "scale_kind": criterion.scale_kind,
                    "scale_min": int(criterion.scale_min),
                    "scale_max": int(criterion.scale_max),
                    "scale_step": int(criterion.scale_step),
                    "points": criterion.points,
                    "weight": criterion.weight,
                    "allow_na": criterion.allow_na,
                    "rationale_required": criterion.rationale_required,
                    "measurement": criterion.measurement,
                    **_initial_texts(criterion.title, "title"),
                    **_initial_texts(criterion.description, "description"),
                    "anchors_en": _anchor_lines(criterion.anchors, "en"),
                    "anchors_zh_hans": _anchor_lines(criterion.anchors, "zh-hans"),
                },
            )
        super().__init__(*args, **kwargs)
        self.rubric, self.criterion = rubric, criterion
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = rubric.groups.order_by("position")

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        others = self.rubric.criteria.filter(code=code)
        if self.criterion is not None:
            others = others.exclude(pk=self.criterion.pk)
        if others.exists():
            raise forms.ValidationError(_("Another criterion has this code."))
        return code

    def clean_anchors_en(self) -> list[tuple[Decimal, str]]:
        return _parse_anchor_lines(self.cleaned_data["anchors_en"])

    def clean_anchors_zh_hans(self) -> list[tuple[Decimal, str]]:
        return _parse_anchor_lines(self.cleaned_data["anchors_zh_hans"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not _texts(cleaned, "title"):
            raise forms.ValidationError(_("Give the criterion a title."))
        if cleaned.get("scale_kind") == ScaleKind.BINARY:
            needed = ["points"]
        else:
            needed = ["scale_min", "scale_max", "scale_step"]
        for name in needed:
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, _("This scale needs a value here."))
        low, high, step = (cleaned.get(name) for name in ("scale_min", "scale_max", "scale_step"))
        if "scale_min" not in needed or low is None or high is None:
            pass
        elif low >= high:
            self.add_error("scale_max", _("The highest score must be above the lowest."))
        elif step is not None and (high - low) % step:
            self.add_error(
                "scale_step",
                _("The step must divide the range from the lowest to the highest score."),
            )
        return cleaned

    def values(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        binary = cleaned["scale_kind"] == ScaleKind.BINARY
        scores: dict[Decimal, dict[str, str]] = {}
        for code in LANGUAGE_CODES:
            for score, text in cleaned[f"anchors_{code.replace('-', '_')}"]:
                scores.setdefault(score, {})[code] = text

        return {
            "code": cleaned["code"],
            "group": cleaned["group"],
            "title": _texts(cleaned, "title"),
            "description": _texts(cleaned, "description"),
            "scale_kind": cleaned["scale_kind"],
            "scale_min": Decimal(0) if binary else Decimal(cleaned["scale_min"]),
            "scale_max": Decimal(1) if binary else Decimal(cleaned["scale_max"]),
            "scale_step": Decimal(1) if binary else Decimal(cleaned["scale_step"]),
            "points": cleaned["points"] if binary else Decimal(1),
            "weight": cleaned["weight"],
            "allow_na": cleaned["allow_na"],
            "rationale_required": cleaned["rationale_required"],
            "measurement": cleaned["measurement"],
            "anchors": [
                {"score": number_out(score), "text": scores[score]} for score in sorted(scores)
            ],
        }


class DeriveForm(_EditorForm):
    """The new slug and name of a lead's own copy of a rubric (prefilled from the original)."""

    slug = _slug_field(
        label=_("Slug of your copy"),
        help_text=_(
            "Lower-case letters, digits and hyphens; it names your copy in files and the API."
        ),
    )
    name_en, name_zh_hans = _name_fields()

    def __init__(self, *args: Any, rubric: Rubric, suffix: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"slug": f"{rubric.slug}-{suffix}"[:80], **_initial_texts(rubric.name, "name")},
        )
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for code in LANGUAGE_CODES:
            if code not in rubric.languages:
                del self.fields[f"name_{code.replace('-', '_')}"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if set(_texts(cleaned, "name")) != set(self.rubric.languages):
            raise forms.ValidationError(_("Give your copy a name in each of its languages."))
        return cleaned

    def name(self) -> dict[str, str]:
        return _texts(self.cleaned_data, "name")


class ImportForm(_EditorForm):
    file = forms.FileField(
        label=_("Rubric file"), help_text=_("YAML or JSON in the schema of docs/rubrics.md.")
    )
    draft = forms.BooleanField(
        label=_("Import as a draft to edit before publishing"), required=False
    )
