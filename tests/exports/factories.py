"""Factories for the plain export items (dataclasses, not models: no database needed)."""

from __future__ import annotations

import factory

from exports.items import DpoPair, SftSession, Turn
from tests.exports.fixtures import filler_text


class SftSessionFactory(factory.Factory):
    class Meta:
        model = SftSession
        exclude = ("number",)

    number = factory.Sequence(int)
    item_id = factory.LazyAttribute(lambda o: f"session-{o.number:05d}")
    source = "cactus"
    language = "en"
    session_id = factory.LazyAttribute(lambda o: f"src-{o.item_id}")
    rubric_version = "ctrs-1.0"
    scores = factory.LazyFunction(lambda: {"empathy": 4.0, "collaboration": 3.5})
    agreement = 0.74
    reviewers = ("r-00aa11bb", "r-22cc33dd")
    # Every text differs, so sessions made by the factory are not near-duplicates of each other.
    turns = factory.LazyAttribute(
        lambda o: [
            Turn("client" if index % 2 else "counselor", filler_text(o.number * 10 + index))
            for index in range(4)
        ]
    )


class DpoPairFactory(factory.Factory):
    class Meta:
        model = DpoPair
        exclude = ("number",)

    number = factory.Sequence(int)
    item_id = factory.LazyAttribute(lambda o: f"pair-{o.number:05d}")
    source = "psychocounsel"
    language = "en"
    session_id = factory.LazyAttribute(lambda o: f"src-{o.item_id}")
    rubric_version = "pc-7"
    scores = factory.LazyFunction(lambda: {"chosen.empathy": 5.0, "rejected.empathy": 2.0})
    agreement = 0.68
    reviewers = ("r-00aa11bb",)
    prompt = factory.LazyAttribute(lambda o: [Turn("client", filler_text(o.number))])
    chosen = "It sounds exhausting to second-guess yourself. What goes through your mind then?"
    rejected = "Just stop doubting yourself."
