"""What an export is made of, as plain data, and how each item becomes TRL training examples.

The export service reads reviewed sessions and pairs from the database and hands them over as
these dataclasses; nothing here touches Django, so grouping, splitting and writing can be tested
and measured on their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ExportKind(StrEnum):
    SFT = "sft"
    DPO = "dpo"


class SftMode(StrEnum):
    """How a session becomes SFT examples."""

    SESSION = "session"  # the whole conversation is one example
    TURN = "turn"  # one example per counselor turn: the context so far plus that turn


class SftStart(StrEnum):
    """Where an SFT row starts when the session opens with the counselor (ESConv does)."""

    KEEP = "keep"  # as the source has it: the row may start with an assistant message
    # Leading counselor turns are dropped, so the row's first non-system message is the
    # client's: chat templates that insist on user-first accept it.
    FIRST_CLIENT = "first_client"


# Speaker names used by the dialogues app, mapped to the chat roles TRL expects.
ROLE_BY_SPEAKER = {"client": "user", "counselor": "assistant", "system": "system"}


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str  # "client", "counselor" or "system"
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportItem:
    """One reviewed item with what grouping needs and what provenance records.

    ``reviewers`` must already be pseudonyms (see :func:`exports.pseudonyms.reviewer_pseudonym`):
    the writers copy them into the provenance files as they are.
    """

    item_id: str
    source: str
    language: str
    session_id: str | None = None
    # A key shared by items built from the same client thought or persona (Cactus' ``thought``,
    # an intake form); items sharing it land in the same split.
    persona: str | None = None
    # More keys shared with related items, as (link kind, key): "session" for the same source
    # record (source format and id, or content hash) however often it was imported, "persona"
    # for each client thought, persona or intake form the item carries.
    links: tuple[tuple[str, str], ...] = ()
    rubric_version: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    agreement: float | None = None
    reviewers: tuple[str, ...] = ()
    system_prompt: str | None = None
    # Where the item's label came from, "human" or "judge", in exports that take judge-accepted
    # items; None elsewhere, and then provenance has no such column (those files stay as before).
    label_source: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SftSession(ExportItem):
    turns: Sequence[Turn]


@dataclass(frozen=True, slots=True, kw_only=True)
class DpoPair(ExportItem):
    """A preference pair: the conversation so far (ending with the client) and two replies."""

    prompt: Sequence[Turn]
    chosen: str
    rejected: str


@dataclass(frozen=True, slots=True)
class Example:
    """One training row: TRL's conversational columns plus its provenance row."""

    data: dict[str, Any]
    provenance: dict[str, Any]


def _message(turn: Turn) -> dict[str, str]:
    try:
        role = ROLE_BY_SPEAKER[turn.speaker]
    except KeyError:
        raise ValueError(f"unknown speaker {turn.speaker!r}") from None
    return {"role": role, "content": turn.text}


def _system(item: ExportItem) -> list[dict[str, str]]:
    return [{"role": "system", "content": item.system_prompt}] if item.system_prompt else []


def item_text(*, item: ExportItem) -> str:
    """The text compared for near-duplicates: a whole session, or a pair's prompt.

    A pair's replies are left out on purpose: two pairs that answer nearly the same client
    speech leak into each other even when their replies differ.
    """
    turns = item.turns if isinstance(item, SftSession) else item_prompt(item=item)
    return "\n".join(turn.text for turn in turns)


def item_prompt(*, item: ExportItem) -> Sequence[Turn]:
    if not isinstance(item, DpoPair):
        raise TypeError(f"{item.item_id}: not a session or a preference pair")
    return item.prompt


def _provenance(item: ExportItem, *, example_id: str, turn_index: int | None) -> dict[str, Any]:
    return {
        "id": example_id,
        "item_id": item.item_id,
        "turn_index": turn_index,
        "source": item.source,
        "language": item.language,
        "source_session_id": item.session_id,
        "rubric_version": item.rubric_version,
        "scores": [{"name": name, "value": float(item.scores[name])} for name in item.scores],
        "agreement": item.agreement,
        "reviewers": list(item.reviewers),
    } | ({"label_source": item.label_source} if item.label_source is not None else {})


def _opening_dropped(turns: Sequence[Turn]) -> int:
    """How many counselor turns come before the first client turn (system turns stay)."""
    dropped = 0
    for turn in turns:
        if turn.speaker == "client":
            break
        if turn.speaker == "counselor":
            dropped += 1
    return dropped


def _sft_examples(item: SftSession, *, mode: SftMode, start: SftStart) -> Iterator[Example]:
    indexed = list(enumerate(item.turns))
    if start is SftStart.FIRST_CLIENT and _opening_dropped(item.turns):
        first_client = next((i for i, turn in indexed if turn.speaker == "client"), len(item.turns))
        indexed = [(i, t) for i, t in indexed if i >= first_client or t.speaker != "counselor"]
    messages = _system(item) + [_message(turn) for _, turn in indexed]
    if mode is SftMode.SESSION:
        if any(m["role"] == "assistant" for m in messages):
            yield Example(
                {"messages": messages}, _provenance(item, example_id=item.item_id, turn_index=None)
            )
        return
    offset = len(messages) - len(indexed)
    seen_user = False
    for position, (index, turn) in enumerate(indexed):
        seen_user = seen_user or turn.speaker == "client"
        # A counselor turn before the client has said anything has nothing to answer.
        if turn.speaker == "counselor" and seen_user:
            yield Example(
                {"messages": messages[: offset + position + 1]},
                _provenance(item, example_id=f"{item.item_id}#t{index}", turn_index=index),
            )


def _dpo_example(item: DpoPair) -> Example:
    prompt = _system(item) + [_message(turn) for turn in item.prompt]
    return Example(
        {
            "prompt": prompt,
            "chosen": [{"role": "assistant", "content": item.chosen}],
            "rejected": [{"role": "assistant", "content": item.rejected}],
        },
        _provenance(item, example_id=item.item_id, turn_index=None),
    )


def item_examples(
    *,
    item: ExportItem,
    kind: ExportKind,
    sft_mode: SftMode,
    sft_start: SftStart = SftStart.KEEP,
) -> Iterator[Example]:
    """The training rows one item gives (none for a session without a counselor turn).

    The item must have passed :func:`item_check`, which the export runs once per item before
    asking for its rows (running it here too cost a second pass over every pair's prompt).
    """
    if kind is ExportKind.SFT:
        if not isinstance(item, SftSession):
            raise TypeError(f"{item.item_id}: an SFT export takes sessions")
        yield from _sft_examples(item, mode=sft_mode, start=sft_start)
    else:
        if not isinstance(item, DpoPair):
            raise TypeError(f"{item.item_id}: a DPO export takes preference pairs")
        yield _dpo_example(item)


def item_check(*, item: ExportItem) -> None:
    """Raise ValueError naming the item and the field when it cannot become training rows."""
    turns = item.turns if isinstance(item, SftSession) else item_prompt(item=item)
    for index, turn in enumerate(turns):
        if turn.speaker not in ROLE_BY_SPEAKER:
            raise ValueError(
                f"{item.item_id}: turn {index + 1} has unknown speaker {turn.speaker!r}"
            )
    if isinstance(item, DpoPair):
        if not item.prompt or item.prompt[-1].speaker != "client":
            raise ValueError(f"{item.item_id}: prompt: a pair's prompt must end with a client turn")
        for name, reply in (("chosen", item.chosen), ("rejected", item.rejected)):
            if not reply.strip():
                raise ValueError(f"{item.item_id}: {name}: the reply is empty")
