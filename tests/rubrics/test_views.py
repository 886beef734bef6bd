"""The rubric pages as a lead, a reviewer and a trainer meet them."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from review.models import ReviewSettings
from rubrics.models import Rubric
from rubrics.services import DEFINITIONS_DIR
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.rubrics.conftest import as_yaml, small_rubric_data
from tests.rubrics.factories import CriterionFactory, CriterionGroupFactory, RubricFactory


def _version_url(name: str, slug: str, version: int = 1, **extra) -> str:
    return reverse(f"rubrics:{name}", kwargs={"slug": slug, "version": version, **extra})


def test_list_shows_every_rubric_to_a_reviewer(world, builtins) -> None:
    response = client_for(world.reviewer).get(reverse("rubrics:rubric_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Cognitive Therapy Rating Scale (CTRS)" in text
    assert "MentalChat16K judge metrics" in text
    # A reviewer cannot create or import.
    assert reverse("rubrics:rubric_create") not in text


def test_a_trainer_reads_published_rubrics_but_cannot_edit(world, builtins) -> None:
    RubricFactory(slug="ctrs", version=2, created_by=world.lead)
    client = client_for(world.trainer)
    text = client.get(reverse("rubrics:rubric_list")).content.decode()
    assert "Cognitive Therapy Rating Scale (CTRS)" in text
    assert reverse("rubrics:rubric_create") not in text
    page = client.get(_version_url("rubric_version", "ctrs"))
    assert page.status_code == 200
    assert "Edit as a new version" not in page.content.decode()
    assert client.get(_version_url("rubric_version", "ctrs", 2)).status_code == 404
    assert client.post(_version_url("rubric_new_version", "ctrs")).status_code == 403
    assert client.post(_version_url("rubric_publish", "ctrs", 2)).status_code == 403
    assert Rubric.objects.get(slug="ctrs", version=2).status == "draft"


def test_rubric_page_shows_the_scoring_form_with_anchors(world, builtins) -> None:
    response = client_for(world.reviewer).get(_version_url("rubric_version", "ctrs"))
    text = response.content.decode()
    assert text.count('type="radio"') == 11 * 7
    assert "Agenda" in text
    assert "No plan for the session is made." in text  # the 0 anchor, inside <details>
    assert "<details" in text
    assert "没有为本次会谈做任何安排。" not in text


def test_rubric_page_in_chinese(world, builtins) -> None:
    client = client_for(world.reviewer)
    response = client.get(_version_url("rubric_version", "ctrs") + "?lang=zh-hans")
    text = response.content.decode()
    assert "认知治疗评定量表（CTRS）" in text
    assert "没有为本次会谈做任何安排。" in text
    assert "锚点" in text  # the form's own labels follow the rubric's language
    # With the interface in Chinese, the rubric follows without asking.
    client.post(reverse("set_language"), {"language": "zh-hans"})
    text = client.get(_version_url("rubric_version", "cpsycoune")).content.decode()
    assert "保护隐私" in text
    assert "未达到" in text  # "Not met", translated


def test_binary_and_na_controls(world, builtins) -> None:
    text = client_for(world.lead).get(_version_url("rubric_version", "cbt-llm")).content.decode()
    assert text.count('type="radio"') == 5 * 2
    assert "Not applicable" not in text
    rubric = RubricFactory(slug="with-na")

    CriterionFactory(rubric=rubric, allow_na=True, rationale_required=True)
    text = client_for(world.lead).get(_version_url("rubric_version", "with-na")).content.decode()
    assert 'value="na"' in text
    assert "Rationale (required)" in text


def test_detail_redirects_to_the_newest_version_the_user_may_see(world, builtins) -> None:
    RubricFactory(slug="ctrs", version=2)
    url = reverse("rubrics:rubric_detail", args=["ctrs"])
    assert client_for(world.lead).get(url)["Location"] == _version_url("rubric_version", "ctrs", 2)
    reviewer = client_for(world.reviewer)
    assert reviewer.get(url)["Location"] == _version_url("rubric_version", "ctrs")
    assert reviewer.get(_version_url("rubric_version", "ctrs", 2)).status_code == 404
    assert "Version 2" not in reviewer.get(_version_url("rubric_version", "ctrs")).content.decode()


def test_download_is_the_rubric_file(world, builtins) -> None:
    response = client_for(world.reviewer).get(_version_url("rubric_export", "ctrs"))
    assert response["Content-Disposition"] == 'attachment; filename="ctrs-v1.yaml"'
    assert response.content == (DEFINITIONS_DIR / "ctrs.yaml").read_bytes()


def test_a_lead_builds_and_publishes_a_rubric(world) -> None:
    client = client_for(world.lead)
    response = client.post(
        reverse("rubrics:rubric_create"),
        {
            "slug": "warmth",
            "name_en": "Warmth",
            "name_zh_hans": "温暖",
            "languages": ["en", "zh-hans"],
            "scope": "response",
            "total_method": "sum",
            "cutoff": "3",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _version_url("rubric_edit", "warmth")
    response = client.post(
        _version_url("criterion_add", "warmth"),
        {
            "code": "tone",
            "title_en": "Tone",
            "title_zh_hans": "语气",
            "scale_kind": "range",
            "scale_min": "0",
            "scale_max": "4",
            "scale_step": "1",
            "points": "1",
            "weight": "1",
            "measurement": "ordinal",
            "anchors_en": "0: Cold\n4: Warm",
            "anchors_zh_hans": "0: 冷淡\n4: 温暖",
        },
    )
    assert response.status_code == 302
    rubric = Rubric.objects.get(slug="warmth")
    criterion = rubric.criteria.get()
    assert criterion.anchors == [
        {"score": 0, "text": {"en": "Cold", "zh-hans": "冷淡"}},
        {"score": 4, "text": {"en": "Warm", "zh-hans": "温暖"}},
    ]
    response = client.post(_version_url("rubric_publish", "warmth"))
    assert response["Location"] == _version_url("rubric_version", "warmth")
    rubric.refresh_from_db()
    assert rubric.status == "published"
    published = AuditEvent.objects.get(action="rubrics.rubric.publish")
    assert published.actor == world.lead
    assert published.object_id == str(rubric.pk)
    # Published: the editor sends the lead back to the frozen version, saying why.
    response = client.get(_version_url("rubric_edit", "warmth"), follow=True)
    assert response.redirect_chain == [(_version_url("rubric_version", "warmth"), 302)]
    assert "warmth version 1 is published and can no longer change" in response.content.decode()
    response = client.post(_version_url("criterion_add", "warmth"), {})
    assert response["Location"] == _version_url("rubric_version", "warmth")
    assert rubric.criteria.count() == 1


def test_publishing_a_draft_with_problems_lists_them(world) -> None:
    rubric = RubricFactory(slug="broken", created_by=world.lead)
    group = CriterionGroupFactory(rubric=rubric, code="g", maximum=Decimal(5))

    CriterionFactory(rubric=rubric, group=group, code="x")
    client = client_for(world.lead)
    response = client.post(_version_url("rubric_publish", "broken"), follow=True)
    assert "groups[0].maximum: the criteria of group &#x27;g&#x27; add up to 4, not 5" in (
        response.content.decode()
    )
    assert Rubric.objects.get(slug="broken").status == "draft"


def test_edit_as_a_new_version(world, builtins) -> None:
    client = client_for(UserFactory(username="staff", is_staff=True))
    response = client.post(_version_url("rubric_new_version", "ctrs"))
    assert response["Location"] == _version_url("rubric_edit", "ctrs", 2)
    assert Rubric.objects.get(slug="ctrs", version=2).status == "draft"
    assert Rubric.objects.get(slug="ctrs", version=1).status == "published"


def test_a_reviewer_cannot_change_anything(world, builtins) -> None:
    client = client_for(world.reviewer)
    assert client.post(_version_url("rubric_new_version", "ctrs")).status_code == 403
    assert not Rubric.objects.filter(slug="ctrs", version=2).exists()


def test_import_a_file_in_the_browser(world) -> None:
    client = client_for(world.lead)
    upload = SimpleUploadedFile("small.yaml", as_yaml(small_rubric_data()).encode())
    response = client.post(reverse("rubrics:rubric_import"), {"file": upload})
    assert response["Location"] == _version_url("rubric_version", "small")
    assert Rubric.objects.get(slug="small").status == "published"


def test_an_invalid_upload_shows_its_errors_and_imports_nothing(world) -> None:
    data = small_rubric_data()
    data["criteria"][1]["code"] = "met-1"
    upload = SimpleUploadedFile("dup.yaml", as_yaml(data).encode())
    response = client_for(world.lead).post(reverse("rubrics:rubric_import"), {"file": upload})
    assert response.status_code == 200
    assert "dup.yaml: criteria[1].code: duplicate criterion code &#x27;met-1&#x27;" in (
        response.content.decode()
    )
    assert not Rubric.objects.filter(slug="small").exists()


def test_the_criterion_form_asks_for_what_the_scale_needs(world) -> None:
    RubricFactory(slug="form-check", created_by=world.lead)
    client = client_for(world.lead)
    base = {"code": "x", "title_en": "X", "weight": "1", "measurement": "nominal"}
    response = client.post(
        _version_url("criterion_add", "form-check"), {**base, "scale_kind": "binary"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"points": ["This scale needs a value here."]}
    response = client.post(
        _version_url("criterion_add", "form-check"),
        {**base, "scale_kind": "range", "scale_min": "3", "scale_max": "1", "scale_step": "1"},
    )
    assert response.context["form"].errors == {
        "scale_max": ["The highest score must be above the lowest."]
    }
    response = client.post(
        _version_url("criterion_add", "form-check"),
        {
            **base,
            "scale_kind": "range",
            "scale_min": "1",
            "scale_max": "5",
            "scale_step": "1",
            "anchors_en": "one: bad",
        },
    )
    assert response.context["form"].errors == {
        "anchors_en": ["Line 1: write an anchor as “score: text”, for example “2: Partly”."]
    }
    assert not Rubric.objects.get(slug="form-check").criteria.exists()


def test_a_draft_published_in_another_tab_gives_a_message_not_an_error(world) -> None:
    rubric = RubricFactory(slug="two-tabs", created_by=world.lead)
    criterion = CriterionFactory(rubric=rubric, code="x")
    client = client_for(world.lead)
    assert client.post(_version_url("rubric_publish", "two-tabs")).status_code == 302
    # The other tab still shows the editor and sends its forms.
    for name, extra in [
        ("rubric_publish", {}),
        ("rubric_delete", {}),
        ("rubric_edit", {}),
        ("group_add", {}),
        ("criterion_edit", {"criterion_id": criterion.pk}),
        ("criterion_delete", {"criterion_id": criterion.pk}),
    ]:
        response = client.post(_version_url(name, "two-tabs", **extra), follow=True)
        assert response.status_code == 200, name
        assert response.redirect_chain[-1][0] == _version_url("rubric_version", "two-tabs")
        assert "two-tabs version 1 is published and can no longer change" in (
            response.content.decode()
        )
    assert Rubric.objects.get(slug="two-tabs").criteria.get().code == "x"


def test_deleting_a_draft_in_use_explains_and_keeps_it(world) -> None:
    rubric = RubricFactory(slug="in-use", created_by=world.lead)
    CriterionFactory(rubric=rubric)
    ReviewSettings.objects.create(project=world.project, rubric=rubric)
    response = client_for(world.lead).post(_version_url("rubric_delete", "in-use"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == _version_url("rubric_edit", "in-use")
    assert "in-use version 1 is in use" in response.content.decode()
    assert Rubric.objects.filter(slug="in-use").exists()


def test_only_its_creator_and_staff_change_a_draft(world) -> None:
    """Another project's lead sees the draft but cannot edit, publish or delete it."""
    rubric = RubricFactory(slug="mine", created_by=world.lead)
    criterion = CriterionFactory(rubric=rubric, code="x")
    other = client_for(world.outsider)
    page = other.get(_version_url("rubric_version", "mine")).content.decode()
    assert "Only the person who created this draft, or staff, can change it." in page
    assert _version_url("rubric_edit", "mine") not in page
    assert other.get(_version_url("rubric_edit", "mine")).status_code == 403
    assert other.post(_version_url("rubric_publish", "mine")).status_code == 403
    assert other.post(_version_url("rubric_delete", "mine")).status_code == 403
    crit_url = _version_url("criterion_delete", "mine", criterion_id=criterion.pk)
    assert other.post(crit_url).status_code == 403
    assert Rubric.objects.get(slug="mine").status == "draft"
    assert Rubric.objects.get(slug="mine").criteria.count() == 1
    # A shared rubric (not theirs) gets no new version from another lead, draft or not.
    published = RubricFactory(slug="shared", status=Rubric.Status.PUBLISHED)
    CriterionFactory(rubric=published)
    RubricFactory(slug="shared", version=2, created_by=world.lead)
    assert other.post(_version_url("rubric_new_version", "shared")).status_code == 403
    # Staff may finish anyone's draft.
    staff = UserFactory(username="staff", is_staff=True)
    response = client_for(staff).post(_version_url("rubric_publish", "mine"))
    assert response["Location"] == _version_url("rubric_version", "mine")
    assert Rubric.objects.get(slug="mine").status == "published"


def test_the_criterion_form_takes_whole_numbers_only(world) -> None:
    RubricFactory(slug="whole", created_by=world.lead)
    client = client_for(world.lead)
    base = {
        "code": "x",
        "title_en": "X",
        "weight": "1",
        "measurement": "ordinal",
        "scale_kind": "range",
    }
    url = _version_url("criterion_add", "whole")
    response = client.post(url, {**base, "scale_min": "0.5", "scale_max": "4", "scale_step": "0.5"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "scale_min": ["Scores are whole numbers: give an integer."],
        "scale_step": ["Scores are whole numbers: give an integer."],
    }
    response = client.post(url, {**base, "scale_min": "0", "scale_max": "4", "scale_step": "3"})
    assert response.context["form"].errors == {
        "scale_step": ["The step must divide the range from the lowest to the highest score."]
    }
    assert not Rubric.objects.get(slug="whole").criteria.exists()
    response = client.post(url, {**base, "scale_min": "1", "scale_max": "5", "scale_step": "2"})
    assert response.status_code == 302
    criterion = Rubric.objects.get(slug="whole").criteria.get()
    assert [str(level.normalize()) for level in criterion.levels()] == ["1", "3", "5"]


def test_the_preview_shows_group_maxima_na_and_rationale_rules(world) -> None:
    rubric = RubricFactory(slug="preview", total_method="weighted_sum")
    stated = CriterionGroupFactory(rubric=rubric, code="a", maximum=Decimal(4))
    derived = CriterionGroupFactory(rubric=rubric, code="b")
    CriterionFactory(rubric=rubric, group=stated, code="plain")
    CriterionFactory(
        rubric=rubric, group=derived, code="na-ok", allow_na=True, rationale_required=True
    )
    CriterionFactory(rubric=rubric, group=derived, code="double", weight=Decimal(2))
    text = client_for(world.lead).get(_version_url("rubric_version", "preview")).content.decode()
    # b has no stated maximum: 4 + 4 × 2, what rubric_score reports as the group's maximum.
    assert text.count('class="muted group-maximum"') == 2
    assert "(max. 4)" in text
    assert "(max. 12)" in text
    assert text.count('value="na"') == 1
    assert 'name="score-na-ok" value="na"' in text
    assert text.count("the total is prorated over the others") == 1
    # Every criterion has a rationale box, as on the review page; the required one is open.
    assert text.count('name="rationale-') == 3
    assert text.count("Rationale (required)") == 1
    assert text.count("Rationale (optional)") == 2
    assert '<details class="rationale" open>' in text
    assert "the review page, which adds the conversation and evidence turns" in text


def test_a_lead_cannot_make_a_new_version_of_a_built_in_or_another_leads_rubric(
    world, builtins
) -> None:
    other = UserFactory(username="other-lead")
    RubricFactory(slug="theirs", created_by=other, status="published")
    client = client_for(world.lead)

    for slug in ("ctrs", "theirs"):
        response = client.post(_version_url("rubric_new_version", slug))
        assert response.status_code == 403
        assert not Rubric.objects.filter(slug=slug, version=2).exists()


def test_a_lead_makes_new_versions_of_their_own_rubric(world) -> None:
    RubricFactory(slug="mine", created_by=world.lead, status="published")
    response = client_for(world.lead).post(_version_url("rubric_new_version", "mine"))
    assert response["Location"] == _version_url("rubric_edit", "mine", 2)


def test_a_lead_cannot_import_a_new_version_of_a_built_in(world, builtins) -> None:
    text = (DEFINITIONS_DIR / "ctrs.yaml").read_text().replace("version: 1", "version: 2", 1)
    upload = SimpleUploadedFile("ctrs.yaml", text.encode())
    response = client_for(world.lead).post(reverse("rubrics:rubric_import"), {"file": upload})

    assert response.status_code == 403
    assert not Rubric.objects.filter(slug="ctrs", version=2).exists()


def test_a_lead_derives_their_own_copy_of_the_built_in_ctrs(world, builtins) -> None:
    """A lead cannot version the built-in CTRS, but can make a copy of their own and use it."""
    client = client_for(world.lead)
    page = client.get(_version_url("rubric_version", "ctrs")).content.decode()
    assert "Edit as a new version" not in page
    assert f'action="{_version_url("rubric_derive", "ctrs")}"' in page  # a POST form, here
    assert f'value="ctrs-{world.lead.username}"' in page
    form_page = client.get(_version_url("rubric_derive", "ctrs")).content.decode()
    assert 'value="ctrs-' in form_page  # the new code comes prefilled

    response = client.post(
        _version_url("rubric_derive", "ctrs"),
        {
            "slug": "ctrs-our-clinic",
            "name_en": "CTRS, our clinic",
            "name_zh_hans": "认知治疗评定量表(本机构)",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _version_url("rubric_version", "ctrs-our-clinic")
    copy = Rubric.objects.get(slug="ctrs-our-clinic")
    assert copy.is_published
    assert copy.version == 1
    assert not copy.builtin
    assert copy.created_by == world.lead
    assert copy.derived_from == builtins["ctrs"]
    assert copy.name["en"] == "CTRS, our clinic"
    assert copy.criteria.count() == 11
    assert Rubric.objects.filter(slug="ctrs").count() == 1  # the original's latest is unchanged
    event = AuditEvent.objects.get(action="rubrics.rubric.derive")
    assert event.actor == world.lead
    assert event.after["from"] == {"slug": "ctrs", "version": 1}
    # The copy's page says where it came from and offers a new version to its owner.
    copy_page = client.get(response["Location"]).content.decode()
    assert "Edit as a new version" in copy_page
    assert _version_url("rubric_derive", "ctrs-our-clinic") not in copy_page
    draft = client.post(_version_url("rubric_new_version", "ctrs-our-clinic"))
    assert draft["Location"] == _version_url("rubric_edit", "ctrs-our-clinic", 2)
    # The project's settings offer it.
    settings_page = client.get(
        reverse("review:lead_settings", kwargs={"slug": world.project.slug})
    ).content.decode()
    assert f'value="{copy.pk}"' in settings_page


def test_deriving_needs_a_free_code_and_a_lead(world, builtins) -> None:
    client = client_for(world.lead)
    response = client.post(
        _version_url("rubric_derive", "ctrs"),
        {"slug": "cbt-llm", "name_en": "Mine", "name_zh_hans": "我的"},
    )
    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert Rubric.objects.filter(slug="cbt-llm").count() == 1
    reviewer = client_for(world.reviewer)
    refused = reviewer.post(
        _version_url("rubric_derive", "ctrs"),
        {"slug": "ctrs-mine", "name_en": "Mine", "name_zh_hans": "我的"},
    )
    assert refused.status_code == 403
    assert not Rubric.objects.filter(slug="ctrs-mine").exists()
