"""What one judge call produced, in a shape the future stored-answer model copies field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Status = Literal["ok", "unparsable", "refused", "error"]
STATUSES: tuple[Status, ...] = ("ok", "unparsable", "refused", "error")


@dataclass(frozen=True)
class JudgeAttempt:
    """One HTTP round trip. ``outcome`` is "answered", "http 429", "http 500", "timeout", ...

    ``waited_s`` is the pause before the next attempt (0 for the last), so a run's log shows
    that a Retry-After was honoured.
    """

    number: int
    outcome: str
    detail: str
    latency_s: float
    waited_s: float = 0.0


@dataclass(frozen=True)
class JudgeAnswer:
    """The outcome of one request.

    Only an ``ok`` answer carries scores or a choice. ``unparsable``, ``refused`` and ``error``
    keep the model's raw text (when there was any) and the reason in ``error``, so a lead can
    read what the judge said; they are never counted as a score of any value.
    For pairwise answers ``choice`` and ``preferences`` are as the judge saw the responses
    (A first); ``swapped`` says whether A was the caller's B. See ``review.judges.both_orders``.
    """

    key: str
    kind: Literal["score", "pairwise"]
    status: Status
    raw_text: str
    error: str
    prompt_version: str
    language: str
    template_hash: str
    prompt_hash: str
    settings_fingerprint: str
    attempts: tuple[JudgeAttempt, ...]
    latency_s: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    model: str = ""
    finish_reason: str = ""
    scores: dict[str, int | None] = field(default_factory=dict)
    rationales: dict[str, str] = field(default_factory=dict)
    choice: str | None = None
    rationale: str = ""
    preferences: dict[str, str] = field(default_factory=dict)
    swapped: bool = False

    def __post_init__(self) -> None:
        if self.status != "ok" and (self.scores or self.choice is not None):
            # The rule this whole layer exists for; fail loudly if code ever breaks it.
            raise ValueError(f"a {self.status} answer cannot carry scores or a choice")
