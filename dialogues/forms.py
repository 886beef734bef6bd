"""The upload form and the session list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogues.importers import importer_formats
from dialogues.models import Language
from dialogues.selectors import SessionFilters


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def format_choices() -> list[tuple[str, Any]]:
    choices = sorted((cls.format, str(cls.label)) for cls in importer_formats())
    return [("", _("Recognise from the content")), *choices]


class BucketImportForm(forms.Form):
    location = forms.CharField(
        label=_("Bucket location"),
        max_length=1000,
        help_text=_("s3://bucket/prefix/: every file under it is imported, as one batch."),
        widget=forms.TextInput(attrs={"placeholder": "s3://bucket/prefix/"}),
    )
    format = forms.ChoiceField(label=_("Format"), required=False, choices=())
    skip_invalid = forms.BooleanField(label=_("Skip invalid records"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids beside the upload form on the same page; the field names stay plain.
        kwargs.setdefault("auto_id", "id_bucket_%s")
        super().__init__(*args, **kwargs)
        format_field = self.fields["format"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = format_choices()


class ImportForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        required=False,
        help_text=_("One or more files, or a .zip or .tar.gz archive of many."),
    )
    folder = MultipleFileField(label=_("Or a folder"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False, choices=())
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid records"),
        required=False,
        help_text=_(
            "Import the valid records and report the rest. Without this, one invalid record "
            "rejects the whole upload and nothing is imported."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        format_field = self.fields["format"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = format_choices()
        self.fields["folder"].widget.attrs.update({"webkitdirectory": True, "directory": True})
        self.fields["files"].widget.attrs.update({"class": "import-files"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("files") and not cleaned.get("folder"):
            raise forms.ValidationError(_("Choose at least one file to import."))
        return cleaned


FLAG_CHOICES = [
    ("", _("Any or none")),
    ("open", _("Open flags")),
    ("any", _("Flagged (open or cleared)")),
    ("none", _("No flags")),
]


class SessionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    source = forms.ChoiceField(label=_("Source format"), required=False, choices=())
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All")), *Language.choices]
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=())
    technique = forms.ChoiceField(label=_("CBT technique"), required=False, choices=())
    label = forms.ChoiceField(label=_("Label"), required=False, choices=())
    flags = forms.ChoiceField(label=_("Flags"), required=False, choices=FLAG_CHOICES)
    batch = forms.IntegerField(label=_("Batch"), required=False, min_value=1)
    since = forms.DateField(
        label=_("Imported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Imported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, choices: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _("All"))
        self._choose("source", [everything, *((s, s) for s in choices["sources"])])
        self._choose("topic", [everything, *((t, t) for t in choices["topics"])])
        self._choose("technique", [everything, *((t, t) for t in choices["techniques"])])
        self._choose("label", [everything, *((t, t) for t in choices.get("labels", []))])

    def _choose(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> SessionFilters:
        # A value that does not validate (a topic no longer present) drops only that filter.
        if not self.is_bound:
            return SessionFilters()
        self.is_valid()
        data = self.cleaned_data
        return SessionFilters(
            q=(data.get("q") or "").strip(),
            source=data.get("source") or "",
            language=data.get("language") or "",
            topic=data.get("topic") or "",
            technique=data.get("technique") or "",
            label=data.get("label") or "",
            flags=data.get("flags") or "",
            batch=data.get("batch"),
            since=data.get("since"),
            until=data.get("until"),
        )
