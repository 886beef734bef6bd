"""The session list's search: English and Chinese words, and never partial while it is built."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import Role
from dialogues.models import SessionSearch
from dialogues.services.imports import Upload, import_batch_create, import_batch_run
from dialogues.services.search import search_documents_build
from tests.conftest import client_for
from tests.dialogues.importing import conversation, jsonl
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

CALM = conversation(
    ("client", "Work has been fine lately and I sleep well."),
    ("counselor", "That is good to hear. What helped?"),
    id="calm",
)
RARE = conversation(
    ("client", "I keep dreaming about a xylophone in an empty hall."),
    ("counselor", "What does the hall feel like in the dream?"),
    id="rare",
)
ANXIOUS = conversation(
    ("client", "我最近很焦虑，工作压力很大。"),
    ("counselor", "这种焦虑是从什么时候开始的？"),
    id="anxious",
)
SLEEPLESS = conversation(
    ("client", "我晚上总是睡不着觉，第二天上班很累。"),
    ("counselor", "睡不好已经多久了？"),
    id="sleepless",
)
# Both words in one session, split differently: 焦 and 虑 in separate turns must not match.
APART = conversation(
    ("client", "我很焦"),
    ("counselor", "虑是什么意思？睡不着，觉得累。"),
    id="apart",
)


@pytest.fixture
def lead():  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="clinic", name="Clinic")
    return member(project, Role.LEAD, "lead")


def _import(project, *records, build_search: bool = True):  # type: ignore[no-untyped-def]
    batch = import_batch_create(
        project=project, user=None, uploads=[Upload("s.jsonl", io.BytesIO(jsonl(*records)))]
    )
    import_batch_run(batch_id=batch.pk, build_search=build_search)
    return batch


def _found(client, q: str) -> tuple[set[str], str]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("dialogues:session_list"), {"project": "clinic", "q": q})
    return (
        {session.source_id for session in response.context["page"].object_list},
        response.content.decode(),
    )


def test_english_and_chinese_words_find_exactly_their_sessions(lead) -> None:
    project = lead.memberships.get().project
    _import(project, CALM, RARE, ANXIOUS, SLEEPLESS, APART)
    assert SessionSearch.objects.count() == 5
    client = client_for(lead)

    assert _found(client, "焦虑")[0] == {"anxious"}  # two characters: no trigram of its own
    assert _found(client, "睡不着觉")[0] == {"sleepless"}
    assert _found(client, "睡不着")[0] == {"sleepless", "apart"}
    assert _found(client, "XYLOPHONE")[0] == {"rare"}  # a rare word, in any case
    assert _found(client, "what")[0] == {"rare", "calm"}  # a common one
    assert "Search index building" not in _found(client, "焦虑")[1]


def test_while_the_index_is_built_the_list_says_so_and_still_finds_everything(lead) -> None:
    project = lead.memberships.get().project
    _import(project, CALM, ANXIOUS)
    # A second import has committed its sessions but not yet built their documents.
    _import(project, RARE, SLEEPLESS, build_search=False)
    client = client_for(lead)

    found, page = _found(client, "睡不着觉")
    assert found == {"sleepless"}
    assert "Search index building" in page
    assert _found(client, "xylophone")[0] == {"rare"}
    assert _found(client, "焦虑")[0] == {"anxious"}
    with translation.override("zh-hans"):
        response = client.get(
            reverse("dialogues:session_list"),
            {"project": "clinic"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert "搜索索引" in response.content.decode()

    assert search_documents_build(project_id=project.pk) == 2
    found, page = _found(client, "睡不着觉")
    assert found == {"sleepless"}
    assert "Search index building" not in page


def test_running_a_finished_batch_again_builds_the_documents_it_lacks(lead) -> None:
    project = lead.memberships.get().project
    batch = _import(project, RARE, build_search=False)
    assert SessionSearch.objects.count() == 0
    import_batch_run(batch_id=batch.pk)
    assert SessionSearch.objects.count() == 1
    assert search_documents_build(batch_id=batch.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_a_large_batch_builds_its_documents_on_several_connections(monkeypatch) -> None:
    from django.db import connection

    from dialogues.services import search

    if connection.vendor != "postgresql":
        pytest.skip("other connections see the committed sessions on PostgreSQL only")
    monkeypatch.setattr(search, "PARALLEL_FROM", 2)
    shares = []
    real_build = search._build_on_own_connection

    def counted(where: str, params: list[int]) -> int:
        shares.append(params[-1])
        return real_build(where, params)

    monkeypatch.setattr(search, "_build_on_own_connection", counted)
    project = ProjectFactory(slug="clinic", name="Clinic")
    batch = _import(project, CALM, RARE, ANXIOUS, SLEEPLESS, APART, build_search=False)

    assert search_documents_build(batch_id=batch.pk) == 5
    assert sorted(shares) == [0, 1]
    documents = dict(SessionSearch.objects.values_list("session__source_id", "document"))
    assert documents["apart"] == "我很焦\n虑是什么意思？睡不着，觉得累。"
    assert documents["rare"].startswith("I KEEP DREAMING ABOUT A XYLOPHONE")
    assert search_documents_build(batch_id=batch.pk) == 0
