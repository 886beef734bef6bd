"""What a judge is given: the rubric's criteria and the material to judge.

These are deliberately plain dataclasses rather than the rubrics app's models, so the calling
layer has no database dependency and an adapter from a rubric version is a few lines: copy
code, title, description, anchors, scale and ``na_allowed`` for each criterion, in the judge's
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

Scope = Literal["session", "counselor_turn", "response", "pair"]
SCOPES: tuple[Scope, ...] = ("session", "counselor_turn", "response", "pair")
ScaleKind = Literal["range", "binary"]


class JudgeInputError(ApplicationError):
    """A rubric or item a judge cannot be asked about (an anchor off the scale, an empty
    response); the text names it, for the lead who starts the run."""


@dataclass(frozen=True)
class JudgeCriterion:
    """One criterion as the judge sees it.

    A ``range`` scale accepts the integers ``minimum, minimum + step, ..., maximum``. A
    ``binary`` scale is met (1) or not met (0); its points live in the rubric, not here.
    ``anchors`` maps a score to the text describing it; a rubric need not anchor every level
    (CTRS anchors 0, 2, 4 and 6 only).
    """

    code: str
    title: str
    description: str
    anchors: Mapping[int, str] = field(default_factory=dict)
    scale: ScaleKind = "range"
    minimum: int = 0
    maximum: int = 1
    step: int = 1
    na_allowed: bool = False

    def __post_init__(self) -> None:
        if not self.code or not all(ch.isalnum() or ch in "._-" for ch in self.code):
            # Codes become JSON-schema property names and prompt labels.
            raise JudgeInputError(
                _("criterion code %(code)s: use letters, digits, '.', '_' or '-' only")
                % {"code": repr(self.code)}
            )
        if self.scale == "binary" and (self.minimum, self.maximum, self.step) != (0, 1, 1):
            raise JudgeInputError(
                _("criterion %(code)s: a binary scale is 0 (not met) to 1 (met)")
                % {"code": self.code}
            )
        if self.step < 1 or self.maximum <= self.minimum:
            raise JudgeInputError(
                _("criterion %(code)s: scale %(low)s-%(high)s step %(step)s is empty")
                % {"code": self.code, "low": self.minimum, "high": self.maximum, "step": self.step}
            )
        for score in self.anchors:
            if score not in self.allowed_scores():
                raise JudgeInputError(
                    _("criterion %(code)s: anchor %(score)s is not on its scale")
                    % {"code": self.code, "score": score}
                )

    def allowed_scores(self) -> tuple[int, ...]:
        return tuple(range(self.minimum, self.maximum + 1, self.step))


@dataclass(frozen=True)
class JudgeRubric:
    """The part of a rubric version a judge needs. ``version`` goes into every stored answer."""

    code: str
    version: str
    title: str
    scope: Scope
    criteria: tuple[JudgeCriterion, ...]

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise JudgeInputError(
                _("rubric %(code)s: unknown scope %(scope)s")
                % {"code": self.code, "scope": repr(self.scope)}
            )
        codes = [criterion.code for criterion in self.criteria]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise JudgeInputError(
                _("rubric %(code)s: duplicate criterion codes %(codes)s")
                % {"code": self.code, "codes": ", ".join(duplicates)}
            )


@dataclass(frozen=True)
class JudgeTurn:
    """One turn of a dialogue. ``speaker`` is a role (counselor, client) or a free label."""

    speaker: str
    text: str


@dataclass(frozen=True)
class ScoreExample:
    """A worked example shown before the item: another item's turns and its settled scores.

    Few-shot calibration: the judge reads how the project's leads settled items like this one.
    An example is never the item being judged (the caller draws them from elsewhere).
    """

    turns: tuple[JudgeTurn, ...]
    scores: dict[str, int | None]
    target_turn: int | None = None


@dataclass(frozen=True)
class ScoreRequest:
    """Score one item against every criterion of a rubric.

    ``key`` is the caller's identifier for the item (it comes back on the answer). For a
    ``counselor_turn`` or ``response`` rubric, ``target_turn`` is the index of the turn to
    rate; the turns before it are its context.
    """

    key: str
    rubric: JudgeRubric
    turns: tuple[JudgeTurn, ...]
    target_turn: int | None = None
    examples: tuple[ScoreExample, ...] = ()

    def __post_init__(self) -> None:
        if not self.turns:
            raise JudgeInputError(
                _("item %(key)s: nothing to judge (no turns)") % {"key": self.key}
            )
        if self.rubric.scope == "pair":
            raise JudgeInputError(
                _("item %(key)s: a pair rubric needs a PairwiseRequest") % {"key": self.key}
            )
        turn_scoped = self.rubric.scope in ("counselor_turn", "response")
        if turn_scoped and not (
            self.target_turn is not None and 0 <= self.target_turn < len(self.turns)
        ):
            raise JudgeInputError(
                _("item %(key)s: a %(scope)s rubric needs target_turn between 0 and %(last)s")
                % {"key": self.key, "scope": self.rubric.scope, "last": len(self.turns) - 1}
            )
        if not self.rubric.criteria:
            raise JudgeInputError(
                _("item %(key)s: rubric %(code)s has no criteria")
                % {"key": self.key, "code": self.rubric.code}
            )


@dataclass(frozen=True)
class PairwiseRequest:
    """Compare two candidate responses to the same context.

    ``rubric`` is optional: when given, its criteria are the principles the judge states a
    per-principle preference on. ``swapped`` marks the second call of a both-orders pair: the
    response shown as A is then the caller's original B.
    """

    key: str
    context: tuple[JudgeTurn, ...]
    response_a: str
    response_b: str
    rubric: JudgeRubric | None = None
    swapped: bool = False

    def __post_init__(self) -> None:
        if not self.response_a.strip() or not self.response_b.strip():
            raise JudgeInputError(
                _("pair %(key)s: both responses must have text") % {"key": self.key}
            )


JudgeRequest = ScoreRequest | PairwiseRequest
