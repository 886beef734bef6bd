"""Rubric files: the built-ins are canonical, and each kind of broken file gets a precise error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rubrics.files import RubricFileError, definition_dump, definition_parse
from rubrics.schema import RUBRIC_FILE_SCHEMA
from tests.rubrics.conftest import BUILTIN_FILES, as_yaml, small_rubric_data, write

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rubrics.md"


def test_there_are_nine_builtin_files() -> None:
    assert {path.stem for path in BUILTIN_FILES} == {
        "ctrs",
        "cactus-counseling-eval",
        "cpsycoune",
        "cpsycoune-turn",
        "psychocounsel",
        "psychocounsel-pair",
        "cbt-llm",
        "mentalchat16k",
        "client-affect",
    }


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda path: path.stem)
def test_builtin_files_are_in_canonical_form(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    definition = definition_parse(text, source=path.name)
    assert definition["slug"] == path.stem
    assert definition_dump(definition) == text


def test_a_valid_file_parses_with_defaults_filled_in() -> None:
    definition = definition_parse(as_yaml(small_rubric_data()), source="small.yaml")
    third = definition["criteria"][2]
    assert third["weight"] == 1
    assert third["rationale_required"] is False
    assert third["measurement"] == "ordinal"
    assert definition["criteria"][0]["measurement"] == "nominal"


def _errors(data: dict | str) -> list[str]:
    text = data if isinstance(data, str) else as_yaml(data)
    with pytest.raises(RubricFileError) as caught:
        definition_parse(text, source="mine.yaml")
    assert str(caught.value).startswith("mine.yaml: ")
    return caught.value.problems


def test_duplicate_criterion_codes_are_named() -> None:
    data = small_rubric_data()
    data["criteria"][2]["code"] = "met-1"
    problems = _errors(data)
    assert "criteria[2].code: duplicate criterion code 'met-1'" in problems
    assert "criteria[0].code: duplicate criterion code 'met-1'" in problems


def test_duplicate_group_codes_are_named() -> None:
    data = small_rubric_data()
    data["groups"][1]["code"] = "a"
    data["criteria"][2]["group"] = "a"
    assert "groups[1].code: duplicate group code 'a'" in _errors(data)


def test_min_above_max_is_named() -> None:
    data = small_rubric_data()
    data["criteria"][2]["scale"].update({"min": 5, "max": 1})
    data["criteria"][2]["anchors"] = []
    assert _errors(data) == ["criteria[2].scale: min (5) must be below max (1)"]


def test_points_that_miss_the_group_maximum_are_named() -> None:
    data = small_rubric_data()
    data["criteria"][1]["scale"]["points"] = 1
    assert _errors(data) == ["groups[0].maximum: the criteria of group 'a' add up to 2, not 1.5"]


def test_a_missing_translation_is_named() -> None:
    data = small_rubric_data()
    del data["criteria"][1]["title"]["zh-hans"]
    del data["criteria"][2]["anchors"][1]["text"]["en"]
    assert _errors(data) == [
        "criteria[1].title: no text in 'zh-hans', a declared language",
        "criteria[2].anchors[1].text: no text in 'en', a declared language",
    ]


def test_a_text_in_an_undeclared_language_is_named() -> None:
    data = small_rubric_data()
    data["languages"] = ["en"]
    problems = _errors(data)
    assert "name: text in 'zh-hans', which is not in `languages`" in problems


def test_a_wrong_type_names_its_path() -> None:
    data = small_rubric_data()
    data["criteria"][2]["weight"] = "heavy"
    assert _errors(data) == ["criteria[2].weight: 'heavy' is not of type 'number'"]


def test_a_scale_in_decimals_is_refused_naming_the_criterion(tmp_path) -> None:
    """Scales are integer ranges: review and judges read their levels as whole numbers."""
    data = small_rubric_data()
    data["criteria"][2]["scale"].update({"min": 0.5, "max": 4, "step": 0.5})
    path = write(tmp_path, data, "halves.yaml")
    with pytest.raises(RubricFileError) as caught:
        definition_parse(path.read_bytes(), source=path.name)
    assert caught.value.problems == [
        "criteria[2].scale.min: 0.5 is not a whole number; criterion 'range' needs an integer "
        "range (min, max and step are integers)",
        "criteria[2].scale.step: 0.5 is not a whole number; criterion 'range' needs an integer "
        "range (min, max and step are integers)",
    ]
    assert str(caught.value).startswith("halves.yaml: criteria[2].scale.min: 0.5")
    data["criteria"][2]["scale"].update({"min": 0, "max": 4, "step": 0})
    assert _errors(data) == ["criteria[2].scale.step: 0 is less than or equal to the minimum of 0"]


def test_an_unknown_group_is_named() -> None:
    data = small_rubric_data()
    data["criteria"][0]["group"] = "z"
    assert "criteria[0].group: no group with code 'z'" in _errors(data)


def test_anchor_off_the_scale_and_step_not_dividing_are_named() -> None:
    data = small_rubric_data()
    data["criteria"][2]["anchors"][1]["score"] = 3
    assert _errors(data) == ["criteria[2].anchors[1].score: 3 is not a level of the scale"]
    data = small_rubric_data()
    data["criteria"][2]["scale"]["step"] = 3
    assert _errors(data) == ["criteria[2].scale.step: 3 does not divide the range 0 to 4"]


def test_a_weight_with_a_plain_sum_is_refused() -> None:
    data = small_rubric_data()
    data["criteria"][2]["weight"] = 2
    assert _errors(data) == [
        "criteria[2].weight: a weight of 2 has no effect when total.method is 'sum'; use "
        "'weighted_sum' or 'mean'"
    ]


def test_a_cutoff_out_of_reach_is_named() -> None:
    data = small_rubric_data()
    data["total"]["cutoff"] = 7
    assert _errors(data) == ["total.cutoff: 7 is outside the possible totals 0 to 5.5"]


def test_broken_yaml_names_the_line() -> None:
    problems = _errors("slug: small\nname: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 3, column 1: not valid YAML")


def test_unknown_keys_and_missing_keys_are_named() -> None:
    data = small_rubric_data()
    data["criteria"][0]["colour"] = "red"
    del data["scope"]
    problems = _errors(data)
    assert "(top level): 'scope' is a required property" in problems
    assert any(p.startswith("criteria[0]: Additional properties") for p in problems)


def test_docs_print_the_schema_the_validator_uses() -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- schema:start -->\n```json\n(.*?)\n```\n<!-- schema:end -->", text, re.S
    )
    assert match, "docs/rubrics.md must contain the schema between the schema markers"
    assert json.loads(match.group(1)) == RUBRIC_FILE_SCHEMA
