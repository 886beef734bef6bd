"""A published version never changes; editing it makes the next version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from rubrics.files import RubricFileError, definition_dump, rubric_definition
from rubrics.models import Rubric
from rubrics.selectors import rubric_latest_published, rubric_version_get
from rubrics.services import (
    RubricConflict,
    RubricLocked,
    criterion_delete,
    criterion_save,
    group_delete,
    group_save,
    rubric_derive,
    rubric_draft_create,
    rubric_import,
    rubric_new_version,
    rubric_publish,
    rubric_update,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory


def _text(rubric: Rubric) -> str:
    return definition_dump(rubric_definition(rubric=Rubric.objects.get(pk=rubric.pk)))


def test_every_change_to_a_published_version_is_refused(builtins) -> None:
    ctrs = builtins["ctrs"]
    before = _text(ctrs)
    criterion = ctrs.criteria.first()
    group = ctrs.groups.first()
    attempts = [
        lambda: rubric_update(rubric=ctrs, cutoff=Decimal(30)),
        lambda: criterion_save(rubric=ctrs, criterion=criterion, weight=Decimal(2)),
        lambda: criterion_save(rubric=ctrs, code="new", title={"en": "New"}),
        lambda: criterion_delete(criterion=criterion),
        lambda: group_save(rubric=ctrs, group=group, code="I", title={"en": "x"}, maximum=None),
        lambda: group_delete(group=group),
        lambda: rubric_publish(rubric=ctrs),
    ]
    for attempt in attempts:
        with pytest.raises(RubricLocked, match="ctrs version 1 is published"):
            attempt()
    assert _text(ctrs) == before


def test_editing_a_published_rubric_makes_version_two_and_leaves_one_identical(builtins) -> None:
    ctrs = builtins["ctrs"]
    before = _text(ctrs)
    draft = rubric_new_version(rubric=ctrs)
    assert (draft.slug, draft.version, draft.status) == ("ctrs", 2, "draft")
    # The copy is complete: only the version number differs.
    assert _text(draft) == before.replace("version: 1\n", "version: 2\n", 1)
    homework = draft.criteria.get(code="homework")
    criterion_save(rubric=draft, criterion=homework, allow_na=True)
    rubric_update(rubric=draft, cutoff=Decimal(36))
    assert _text(ctrs) == before
    assert rubric_new_version(rubric=ctrs) == draft  # one draft at a time
    # Until version 2 is published, users of the rubric keep getting version 1.
    assert rubric_latest_published(slug="ctrs").version == 1
    rubric_publish(rubric=draft)
    latest = rubric_latest_published(slug="ctrs")
    assert (latest.version, latest.cutoff) == (2, 36)
    assert rubric_version_get(slug="ctrs", version=1).cutoff == 40


def test_publishing_checks_the_draft_like_a_file(db) -> None:
    draft = rubric_draft_create(
        slug="mine",
        scope="response",
        languages=["en", "zh-hans"],
        name={"en": "Mine", "zh-hans": "我的"},
        description={},
        total_method="sum",
        cutoff=None,
    )
    with pytest.raises(RubricFileError, match="criteria: \\[\\] should be non-empty"):
        rubric_publish(rubric=draft)
    criterion_save(
        rubric=draft,
        code="warmth",
        title={"en": "Warmth"},
        scale_min=Decimal(1),
        scale_max=Decimal(5),
    )
    with pytest.raises(RubricFileError) as caught:
        rubric_publish(rubric=draft)
    assert caught.value.problems == ["criteria[0].title: no text in 'zh-hans', a declared language"]
    assert Rubric.objects.get(pk=draft.pk).status == "draft"
    criterion_save(
        rubric=draft, criterion=draft.criteria.get(), title={"en": "Warmth", "zh-hans": "温暖"}
    )
    published = rubric_publish(rubric=draft)
    assert published.status == "published"
    assert published.published_at is not None


def test_removing_a_criterion_renumbers_the_rest(db) -> None:
    rubric = RubricFactory()
    first, second, third = (CriterionFactory(rubric=rubric, position=n) for n in (1, 2, 3))
    criterion_delete(criterion=second)
    assert list(rubric.criteria.values_list("code", "position")) == [
        (first.code, 1),
        (third.code, 2),
    ]


def test_selectors_answer_404_for_unknown_versions(builtins) -> None:
    with pytest.raises(Http404):
        rubric_version_get(slug="ctrs", version=9)
    with pytest.raises(Http404):
        rubric_latest_published(slug="nothing")
    RubricFactory(slug="only-draft")
    with pytest.raises(Http404):
        rubric_latest_published(slug="only-draft")


def test_no_version_is_imported_beside_a_draft(builtins) -> None:
    draft = rubric_new_version(rubric=builtins["ctrs"])
    definition = rubric_definition(rubric=builtins["ctrs"])
    definition["version"] = 3
    with pytest.raises(RubricConflict, match="ctrs has a draft"):
        rubric_import(definition=definition)
    assert list(Rubric.objects.filter(slug="ctrs").values_list("version", flat=True)) == [2, 1]
    assert draft.version == 2


def test_a_derived_copy_is_its_own_rubric_and_leaves_the_original_alone(builtins) -> None:
    ctrs = builtins["ctrs"]
    before = _text(ctrs)
    copy = rubric_derive(rubric=ctrs, slug="ctrs-mine", name={"en": "Mine", "zh-hans": "我的"})

    assert copy.derived_from == ctrs
    mine = rubric_definition(rubric=copy)
    assert mine["slug"] == "ctrs-mine"
    assert mine["name"] == {"en": "Mine", "zh-hans": "我的"}
    assert mine["criteria"] == rubric_definition(rubric=ctrs)["criteria"]
    draft = rubric_new_version(rubric=copy)
    criterion_save(rubric=draft, criterion=draft.criteria.first(), weight=Decimal(1), code="new")
    assert _text(rubric_latest_published(slug="ctrs")) == before
    with pytest.raises(RubricConflict):
        rubric_derive(rubric=ctrs, slug="ctrs-mine", name={"en": "Again"})
    with pytest.raises(RubricConflict):  # only published versions are copied
        rubric_derive(rubric=draft, slug="ctrs-draft", name={})
