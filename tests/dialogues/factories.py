"""Factories for imported sessions; ``SessionFactory(turns=[("client", "..."), ...])``."""

from __future__ import annotations

import hashlib

import factory

from dialogues.models import Candidate, Flag, ImportBatch, Session, Turn
from tests.factories import ProjectFactory

DEFAULT_TURNS = (
    ("client", "I keep thinking I will fail my exams."),
    ("counselor", "That sounds heavy. What goes through your mind when you study?"),
    ("client", "That everyone else is smarter than me."),
    ("counselor", "Let us look at the evidence for that thought together."),
)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"batch-{n}.jsonl")
    format = "messages"
    status = ImportBatch.Status.IMPORTED


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    batch = factory.SubFactory(ImportBatchFactory, project=factory.SelfAttribute("..project"))
    source_format = "messages"
    source_id = factory.Sequence(lambda n: f"s{n}")
    language = "en"
    content_hash = factory.Sequence(lambda n: hashlib.sha256(f"session {n}".encode()).hexdigest())

    @factory.post_generation
    def turns(self, create, extracted, **kwargs):
        if not create:
            return
        rows = DEFAULT_TURNS if extracted is None else extracted
        Turn.objects.bulk_create(
            Turn(session=self, index=index, speaker=speaker, text=text)
            for index, (speaker, text) in enumerate(rows)
        )
        self.turn_count = len(rows)
        self.save(update_fields=["turn_count"])


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    session = factory.SubFactory(SessionFactory)
    turn_index = 1
    key = factory.Sequence(lambda n: f"candidate-{n}")
    text = factory.Sequence(lambda n: f"A considered counselor reply number {n}.")
    model_name = "test-model"


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    session = factory.SubFactory(SessionFactory)
    kind = Flag.Kind.CRISIS
    category = "suicidal"
    matched_text = "end my life"
    detector = "test"
