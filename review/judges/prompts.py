"""Versioned prompt templates, rendered from a rubric, with hashes that pin what was sent.

Each template is a file ``prompts/<kind>_<version>.<language>.txt`` split into named sections
(a line ``### name`` starts one). Every word a judge reads comes from that file, including
labels such as "Scale:" or the speaker names, so a change of wording is a change of file and
therefore of ``template_hash``. Placeholders use :class:`string.Template` (``$name``): values
are inserted once and never re-scanned, so a ``$`` inside a dialogue is harmless.

``prompt_hash`` covers the rendered messages and the response schema: two answers with the
same item, judge fingerprint and prompt hash were asked exactly the same question.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any, Literal

from core.exceptions import ApplicationError
from review.judges.endpoint import Language
from review.judges.inputs import (
    JudgeCriterion,
    JudgeRubric,
    JudgeTurn,
    PairwiseRequest,
    ScoreRequest,
)

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
Kind = Literal["score", "pairwise"]
_VERSION = re.compile(r"v[0-9]+")
PAIRWISE_CHOICES = ("A", "B", "tie", "both_bad")
PREFERENCE_CHOICES = ("A", "B", "tie")


class PromptTemplateError(ApplicationError):
    """A template version or language that does not exist, or a broken template file."""


@dataclass(frozen=True)
class PromptTemplate:
    kind: Kind
    version: str
    language: Language
    sections: dict[str, str]
    template_hash: str

    def section(self, name: str) -> str:
        try:
            return self.sections[name]
        except KeyError:
            raise PromptTemplateError(
                f"prompt template {self.kind}_{self.version}.{self.language}.txt has no "
                f"section '### {name}'"
            ) from None

    def fill(self, name: str, **values: object) -> str:
        try:
            return Template(self.section(name)).substitute(values)
        except (KeyError, ValueError) as exc:
            raise PromptTemplateError(
                f"prompt template {self.kind}_{self.version}.{self.language}.txt, section "
                f"'{name}': bad or unknown placeholder ({exc})"
            ) from None


@dataclass(frozen=True)
class JudgePrompt:
    """Exactly what goes to the endpoint for one request, and how to recognise it later."""

    kind: Kind
    version: str
    language: Language
    template_hash: str
    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any]
    prompt_hash: str


@cache
def template_load(*, kind: Kind, version: str, language: Language) -> PromptTemplate:
    if not _VERSION.fullmatch(version):
        raise PromptTemplateError(f"prompt version {version!r} should look like 'v1'")
    path = PROMPTS_DIR / f"{kind}_{version}.{language}.txt"
    if not path.is_file():
        raise PromptTemplateError(f"no prompt template {path.name} in {PROMPTS_DIR}")
    raw = path.read_bytes()
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if line.startswith("### "):
            if current is not None:
                sections[current] = "\n".join(lines).strip("\n")
            current, lines = line[4:].strip(), []
            if current in sections:
                raise PromptTemplateError(f"{path.name}, line {number}: section {current} twice")
        elif current is None and line.strip():
            raise PromptTemplateError(f"{path.name}, line {number}: text before the first section")
        else:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip("\n")
    return PromptTemplate(kind, version, language, sections, hashlib.sha256(raw).hexdigest())


def _turns_render(
    template: PromptTemplate, turns: tuple[JudgeTurn, ...], *, target: int | None = None
) -> str:
    rendered = []
    for index, turn in enumerate(turns):
        label = template.sections.get(f"speaker.{turn.speaker.lower()}", turn.speaker)
        marker = template.section("target.marker") + " " if index == target else ""
        line = template.fill("turn", number=index + 1, speaker=label, text=turn.text)
        rendered.append(marker + line)
    return "\n\n".join(rendered)


def _scale_render(template: PromptTemplate, criterion: JudgeCriterion) -> str:
    if criterion.scale == "binary":
        return template.section("scale.binary")
    if criterion.step == 1:
        return template.fill("scale.range", minimum=criterion.minimum, maximum=criterion.maximum)
    values = ", ".join(str(score) for score in criterion.allowed_scores())
    return template.fill("scale.range_step", values=values)


def _criterion_render(template: PromptTemplate, criterion: JudgeCriterion) -> str:
    anchors = ""
    if criterion.anchors:
        lines = [template.section("anchors.heading")]
        lines += [
            template.fill("anchor", score=score, text=criterion.anchors[score])
            for score in sorted(criterion.anchors)
        ]
        anchors = "\n".join(lines)
    block = template.fill(
        "criterion",
        code=criterion.code,
        title=criterion.title,
        description=criterion.description,
        scale=_scale_render(template, criterion),
        na_rule=template.section("na.allowed" if criterion.na_allowed else "na.forbidden"),
        anchors=anchors,
    )
    return "\n".join(line for line in block.splitlines() if line.strip())


def score_schema(rubric: JudgeRubric) -> dict[str, Any]:
    """A strict JSON schema: every criterion scored from its own scale, plus a rationale each."""
    scores: dict[str, Any] = {}
    for criterion in rubric.criteria:
        allowed: list[int | None] = list(criterion.allowed_scores())
        if criterion.na_allowed:
            scores[criterion.code] = {"type": ["integer", "null"], "enum": [*allowed, None]}
        else:
            scores[criterion.code] = {"type": "integer", "enum": allowed}
    codes = [criterion.code for criterion in rubric.criteria]
    return _object(
        {
            "scores": _object(scores),
            "rationales": _object({code: {"type": "string"} for code in codes}),
        }
    )


def pairwise_schema(rubric: JudgeRubric | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "choice": {"type": "string", "enum": list(PAIRWISE_CHOICES)},
        "rationale": {"type": "string"},
    }
    if rubric is not None and rubric.criteria:
        preference = {"type": "string", "enum": list(PREFERENCE_CHOICES)}
        properties["preferences"] = _object({c.code: preference for c in rubric.criteria})
    return _object(properties)


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    # Strict structured output wants every property required and nothing else allowed.
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _prompt_build(
    template: PromptTemplate,
    user: str,
    schema: dict[str, Any],
    kind: Kind,
    examples: tuple[dict[str, str], ...] = (),
) -> JudgePrompt:
    # Worked examples go between the instructions and the item, as earlier turns of the
    # conversation, so they are covered by the prompt hash like everything else sent.
    messages = (
        {"role": "system", "content": template.section("system")},
        *examples,
        {"role": "user", "content": user},
    )
    material = json.dumps({"messages": messages, "schema": schema}, sort_keys=True)
    return JudgePrompt(
        kind=kind,
        version=template.version,
        language=template.language,
        template_hash=template.template_hash,
        messages=messages,
        schema=schema,
        prompt_hash=hashlib.sha256(material.encode()).hexdigest(),
    )


def _shape_render(template: PromptTemplate, shape: dict[str, Any]) -> str:
    """The answer's JSON layout, with placeholders written as the template spells them.

    Placeholders are inserted unquoted where a number belongs: showing ``"<score>"`` in
    quotes invites the model to answer with the string "4", which the parser rejects.
    """
    text = json.dumps(shape, ensure_ascii=False, indent=2)
    for name in ("score", "rationale", "choice", "preference"):
        section = f"placeholder.{name}"
        if section in template.sections:
            text = text.replace(f'"{section}"', template.section(section))
    return text


def score_prompt_render(*, request: ScoreRequest, version: str, language: Language) -> JudgePrompt:
    template = template_load(kind="score", version=version, language=language)
    rubric = request.rubric
    codes = [criterion.code for criterion in rubric.criteria]
    shape = {
        "scores": dict.fromkeys(codes, "placeholder.score"),
        "rationales": dict.fromkeys(codes, "placeholder.rationale"),
    }

    def user_message(turns: tuple[JudgeTurn, ...], target: int | None) -> str:
        return template.fill(
            "user",
            rubric_title=rubric.title,
            rubric_version=rubric.version,
            scope_instruction=template.section(f"scope.{rubric.scope}"),
            criteria="\n\n".join(_criterion_render(template, c) for c in rubric.criteria),
            dialogue=_turns_render(template, turns, target=target),
            json_shape=_shape_render(template, shape),
        )

    # Each example is asked exactly as the item is, and answered with its settled scores (no
    # rationale: the leads' reasons are theirs, and the schema still wants the key).
    examples: list[dict[str, str]] = []
    for example in request.examples:
        answer = {
            "scores": {code: example.scores.get(code) for code in codes},
            "rationales": dict.fromkeys(codes, ""),
        }
        examples.append(
            {"role": "user", "content": user_message(example.turns, example.target_turn)}
        )
        examples.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
    user = user_message(request.turns, request.target_turn)
    return _prompt_build(template, user, score_schema(rubric), "score", tuple(examples))


def pairwise_prompt_render(
    *, request: PairwiseRequest, version: str, language: Language
) -> JudgePrompt:
    template = template_load(kind="pairwise", version=version, language=language)
    rubric = request.rubric
    shape: dict[str, Any] = {
        "choice": "placeholder.choice",
        "rationale": "placeholder.rationale",
    }
    if rubric is not None and rubric.criteria:
        lines = [template.section("principles.heading")]
        lines += [
            template.fill("principle", code=c.code, title=c.title, description=c.description)
            for c in rubric.criteria
        ]
        principles = "\n".join(lines) + "\n"
        shape["preferences"] = {c.code: "placeholder.preference" for c in rubric.criteria}
    else:
        principles = template.section("principles.none")
    user = template.fill(
        "user",
        context=_turns_render(template, request.context),
        response_a=request.response_a,
        response_b=request.response_b,
        principles=principles,
        json_shape=_shape_render(template, shape),
    )
    return _prompt_build(template, user, pairwise_schema(rubric), "pairwise")
