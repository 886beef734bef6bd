from __future__ import annotations

from django.urls import reverse

from tests.conftest import client_for
from tests.rubrics.factories import RubricFactory


def test_list_gives_the_newest_version_of_each_rubric(world, builtins) -> None:
    RubricFactory(slug="ctrs", version=2)
    response = client_for(world.lead).get(reverse("api_rubric_list"))
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()}
    assert len(rows) == 9
    assert (rows["ctrs"]["version"], rows["ctrs"]["status"]) == (2, "draft")
    assert rows["cpsycoune"]["name"]["zh-hans"] == "CPsyCounE（整段对话）"
    # A reviewer is not shown a lead's draft.
    rows = {
        row["slug"]: row
        for row in client_for(world.reviewer).get(reverse("api_rubric_list")).json()
    }
    assert (rows["ctrs"]["version"], rows["ctrs"]["status"]) == (1, "published")
    drafts = client_for(world.reviewer).get(reverse("api_rubric_version", args=["ctrs", 2]))
    assert drafts.status_code == 404


def test_versions_and_one_version(world, builtins) -> None:
    RubricFactory(slug="ctrs", version=2)
    client = client_for(world.lead)
    versions = client.get(reverse("api_rubric_versions", args=["ctrs"])).json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "published")]
    detail = client.get(reverse("api_rubric_version", args=["cpsycoune", 1])).json()
    assert [g["code"] for g in detail["groups"]] == [
        "comprehensiveness",
        "professionalism",
        "authenticity",
        "safety",
    ]
    first = detail["criteria"][0]
    assert (first["code"], first["group"], first["scale_kind"]) == (
        "1.1",
        "comprehensiveness",
        "binary",
    )
    assert first["title"]["en"] == "Client's basic information"
    ctrs = client.get(reverse("api_rubric_version", args=["ctrs", 1])).json()
    assert ctrs["criteria"][0]["anchors"][0] == {
        "score": 0,
        "text": {"en": "No plan for the session is made.", "zh-hans": "没有为本次会谈做任何安排。"},
    }


def test_unknown_rubrics_are_404(world, builtins) -> None:
    lead = client_for(world.lead)
    assert lead.get(reverse("api_rubric_versions", args=["nothing"])).status_code == 404
    assert lead.get(reverse("api_rubric_version", args=["ctrs", 7])).status_code == 404


def test_a_trainer_reads_published_versions_but_no_drafts(world, builtins) -> None:
    """Exports cite rubric versions, so the people who train on them can look them up."""
    RubricFactory(slug="ctrs", version=2, created_by=world.lead)
    trainer = client_for(world.trainer)
    rows = {row["slug"]: row for row in trainer.get(reverse("api_rubric_list")).json()}
    assert (rows["ctrs"]["version"], rows["ctrs"]["status"]) == (1, "published")
    versions = trainer.get(reverse("api_rubric_versions", args=["ctrs"])).json()
    assert [v["version"] for v in versions] == [1]
    detail = trainer.get(reverse("api_rubric_version", args=["ctrs", 1]))
    assert detail.json()["criteria"][0]["code"] == "agenda"
    assert trainer.get(reverse("api_rubric_version", args=["ctrs", 2])).status_code == 404


def test_a_copy_says_which_published_version_it_came_from(world, builtins) -> None:
    """The API shows the lineage a lead sees on the rubric page: a copy names its source."""
    from rubrics.models import Rubric
    from rubrics.services import rubric_derive

    source = Rubric.objects.get(slug="ctrs", version=1)
    rubric_derive(rubric=source, slug="ctrs-ours", name={"en": "Our CTRS"}, user=world.lead)
    client = client_for(world.lead)
    copy = client.get(reverse("api_rubric_version", args=["ctrs-ours", 1])).json()
    assert copy["derived_from"] == {"slug": "ctrs", "version": 1}
    original = client.get(reverse("api_rubric_version", args=["ctrs", 1])).json()
    assert original["derived_from"] is None
    listed = {row["slug"]: row for row in client.get(reverse("api_rubric_list")).json()}
    assert listed["ctrs-ours"]["derived_from"] == {"slug": "ctrs", "version": 1}
