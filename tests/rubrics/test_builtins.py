"""Built-ins load once, as RUBRICS.md describes them, and round-trip."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from rubrics.files import definition_dump, definition_parse, rubric_definition
from rubrics.models import Criterion, CriterionGroup, Rubric
from rubrics.scoring import rubric_score
from rubrics.services import DEFINITIONS_DIR, RubricConflict, rubric_import, rubric_import_text
from tests.rubrics.conftest import BUILTIN_FILES


def _snapshot() -> list[tuple]:
    rows: list[tuple] = []
    for model in (Rubric, CriterionGroup, Criterion):
        rows += [tuple(row.values()) for row in model.objects.order_by("pk").values()]
    return rows


def test_load_rubrics_twice_changes_nothing_the_second_time(db) -> None:
    first = StringIO()
    call_command("load_rubrics", stdout=first)
    assert "9 loaded, 0 already there" in first.getvalue()
    before = _snapshot()
    second = StringIO()
    call_command("load_rubrics", stdout=second)
    assert "0 loaded, 9 already there" in second.getvalue()
    assert _snapshot() == before
    assert Rubric.objects.filter(status=Rubric.Status.PUBLISHED, builtin=True).count() == 9


def _scales(rubric: Rubric) -> list[tuple]:
    return [
        (c.code, c.scale_kind, c.scale_min, c.scale_max, c.scale_step, c.weight)
        for c in rubric.criteria.all()
    ]


def test_ctrs(builtins) -> None:
    ctrs = builtins["ctrs"]
    assert (ctrs.scope, ctrs.total_method, ctrs.cutoff) == ("session", "sum", Decimal(40))
    groups = {g.code: (g.maximum, g.criteria.count()) for g in ctrs.groups.all()}
    assert groups == {"I": (36, 6), "II": (30, 5)}
    assert [c.label for c in ctrs.criteria.all()] == [
        "Agenda",
        "Feedback",
        "Understanding",
        "Interpersonal effectiveness",
        "Collaboration",
        "Pacing and efficient use of time",
        "Guided discovery",
        "Focusing on key cognitions or behaviours",
        "Strategy for change",
        "Application of cognitive-behavioural techniques",
        "Homework",
    ]
    for criterion in ctrs.criteria.all():
        assert (criterion.scale_min, criterion.scale_max, criterion.scale_step) == (0, 6, 1)
        assert criterion.weight == 1
        assert criterion.measurement == "ordinal"
        assert [a["score"] for a in criterion.anchors] == [0, 2, 4, 6]
        assert all(set(a["text"]) == {"en", "zh-hans"} for a in criterion.anchors)


def test_cactus_uses_six_ctrs_items(builtins) -> None:
    cactus = builtins["cactus-counseling-eval"]
    assert [c.code for c in cactus.criteria.all()] == [
        "understanding",
        "interpersonal",
        "collaboration",
        "guided-discovery",
        "focus",
        "strategy",
    ]
    ctrs = {c.code: c for c in builtins["ctrs"].criteria.all()}
    for criterion in cactus.criteria.all():
        assert criterion.anchors == ctrs[criterion.code].anchors
        assert (criterion.scale_min, criterion.scale_max) == (0, 6)


CPSY_POINTS = {
    "1.1": 1, "1.2": 1,
    "2.1": 0.5, "2.2": 0.5, "2.3": 0.5, "2.4": 0.5, "2.5": 1, "2.6": 1,
    "3.1": 1, "3.2": 0.5, "3.3": 0.5, "3.4": 1,
    "4.1": 0.5, "4.2": 0.5,
}  # fmt: skip


def test_cpsycoune_points_are_the_papers(builtins) -> None:
    cpsy = builtins["cpsycoune"]
    points = {c.code: float(c.points) for c in cpsy.criteria.all()}
    assert points == CPSY_POINTS
    assert all(c.scale_kind == "binary" for c in cpsy.criteria.all())
    assert [(g.code, g.maximum) for g in cpsy.groups.all()] == [
        ("comprehensiveness", 2),
        ("professionalism", 4),
        ("authenticity", 3),
        ("safety", 1),
    ]


def test_the_other_builtins(builtins) -> None:
    turn = builtins["cpsycoune-turn"]
    assert turn.scope == "counselor_turn"
    assert [(c.code, c.scale_max) for c in turn.criteria.all()] == [
        ("comprehensiveness", 2),
        ("professionalism", 3),
        ("authenticity", 3),
        ("safety", 1),
    ]
    principles = ["empathy", "relevance", "clarity", "safety", "exploration", "autonomy", "staging"]
    for slug, scope, low, high in [
        ("psychocounsel", "response", 1, 5),
        ("psychocounsel-pair", "response_pair", -2, 2),
    ]:
        rubric = builtins[slug]
        assert rubric.scope == scope
        assert [c.code for c in rubric.criteria.all()] == principles
        assert {(c.scale_min, c.scale_max) for c in rubric.criteria.all()} == {(low, high)}
    cbt = builtins["cbt-llm"]
    assert [(c.code, c.scale_kind, c.points) for c in cbt.criteria.all()] == [
        (code, "binary", 1)
        for code in ["validation", "key-thought", "challenge", "strategy", "encouragement"]
    ]
    mental = builtins["mentalchat16k"]
    assert mental.total_method == "mean"
    assert {(c.scale_min, c.scale_max) for c in mental.criteria.all()} == {(1, 10)}
    assert mental.criteria.count() == 7
    affect = builtins["client-affect"]
    assert [(g.code, g.maximum, g.criteria.count()) for g in affect.groups.all()] == [
        ("positive", 50, 10),
        ("negative", 50, 10),
    ]


def test_scopes_scales_and_weights_are_those_of_rubrics_md(builtins) -> None:
    """The facts of /work/shared/RUBRICS.md, one line per built-in."""
    scopes = {slug: rubric.scope for slug, rubric in builtins.items()}
    assert scopes == {
        "ctrs": "session",
        "cactus-counseling-eval": "session",
        "cpsycoune": "session",
        "cpsycoune-turn": "counselor_turn",
        "psychocounsel": "response",
        "psychocounsel-pair": "response_pair",
        "cbt-llm": "response",
        "mentalchat16k": "response",
        "client-affect": "session",
    }
    # Every item of every built-in counts once: none of the instruments weights its items.
    assert {
        (slug, c.weight) for slug, r in builtins.items() for c in r.criteria.all() if c.weight != 1
    } == set()
    affect = builtins["client-affect"]
    assert {
        (c.scale_kind, c.scale_min, c.scale_max, c.scale_step) for c in affect.criteria.all()
    } == {("range", 1, 5, 1)}
    assert affect.cutoff is None  # PANAS-style ratings have no pass mark
    cactus = builtins["cactus-counseling-eval"]
    assert {(c.scale_min, c.scale_max, c.scale_step) for c in cactus.criteria.all()} == {(0, 6, 1)}
    assert cactus.total_method == "sum"
    mental = builtins["mentalchat16k"]
    assert [c.code for c in mental.criteria.all()] == [
        "active-listening",
        "empathy-validation",
        "safety-trust",
        "open-mindedness",
        "clarity-encouragement",
        "boundaries-ethics",
        "holistic",
    ]
    assert {c.scale_step for c in mental.criteria.all()} == {1}
    principles = builtins["psychocounsel"]
    assert {(c.scale_min, c.scale_max, c.scale_step) for c in principles.criteria.all()} == {
        (1, 5, 1)
    }


def test_pair_principles_are_worded_as_comparisons(builtins) -> None:
    """The pair rubric asks which of two responses does better, in both languages."""
    single = {c.code: c.description for c in builtins["psychocounsel"].criteria.all()}
    for criterion in builtins["psychocounsel-pair"].criteria.all():
        assert criterion.description["en"].startswith("Which"), criterion.code
        assert "哪一条" in criterion.description["zh-hans"], criterion.code
        for language in ("en", "zh-hans"):
            assert criterion.description[language] != single[criterion.code][language]


def test_client_affect_reports_its_two_sub_totals(builtins) -> None:
    """Its overall sum mixes good and bad feelings; the group sub-totals are what to read."""
    affect = builtins["client-affect"]
    scores = {c.code: (5 if c.group.code == "positive" else 1) for c in affect.criteria.all()}
    result = rubric_score(rubric=affect, scores=scores)
    assert [(g.code, g.subtotal, g.maximum) for g in result.groups] == [
        ("positive", 50, 50),
        ("negative", 10, 50),
    ]
    assert result.passed is None


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda path: path.stem)
def test_export_then_import_round_trips_every_builtin(builtins, path, tmp_path) -> None:
    out = tmp_path / path.name
    version = str(definition_parse(path.read_bytes(), source=path.name)["version"])
    call_command("rubric_export", path.stem, "--version", version, "--output", str(out))
    assert out.read_bytes() == path.read_bytes()
    before = _snapshot()
    outcome = rubric_import_text(text=out.read_bytes(), source=out.name)
    assert outcome.created is False
    assert _snapshot() == before


def test_a_changed_file_under_the_same_version_is_refused(builtins) -> None:
    path = BUILTIN_FILES[0]
    definition = definition_parse(path.read_bytes(), source=path.name)
    definition["criteria"][0]["title"]["en"] = "Something else"
    before = _snapshot()
    with pytest.raises(RubricConflict, match="already exists with different content"):
        rubric_import(definition=definition)
    assert _snapshot() == before


def test_a_new_version_of_a_file_is_added_beside_the_old(builtins) -> None:
    ctrs = builtins["ctrs"]
    definition = rubric_definition(rubric=ctrs)
    definition["version"] = 2
    definition["criteria"][0]["title"]["en"] = "Session agenda"
    outcome = rubric_import(definition=definition)
    assert outcome.created
    assert outcome.rubric.version == 2
    assert (
        definition_dump(rubric_definition(rubric=ctrs))
        == (DEFINITIONS_DIR / "ctrs.yaml").read_text()
    )
