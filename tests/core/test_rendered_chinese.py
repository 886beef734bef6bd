"""In Simplified Chinese, the pages each role reaches, and the errors they run into, show no
English from the code itself: not only does the catalogue have an entry for every string, every
message the user sees went through it.

The check reads what a user sees (text and the attributes a browser shows: title, placeholder,
aria-label, alt, button values), takes out what comes from the data (dialogue turns, rubric
texts, user and project names, reasons people typed) and then looks for (a) any catalogue msgid of
two or more words, verbatim, and (b) any run of three or more English words, which finds the
messages that never reached the catalogue at all.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polib
import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from core.models import Role
from review.models import Item, JudgeConfig
from tests.factories import member
from tests.review.reviewer_world import review_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "locale/zh_Hans/LC_MESSAGES").glob("*.po"))
# Names that stay English in every language: the product, formats, protocols, libraries.
NAMES = re.compile(
    r"\b(?:Rapport|OpenAI[\w /-]*|JSON ?Lines|JSONL|CSV|Parquet|TRL|SFT|DPO|API|URL|CTRS|"
    r"CPsyCoun\w*|PsychoCounsel[\w-]*|Cactus|CounselChat|ESConv|PsyQA|SmileChat|Krippendorff)\b"
)
# Fields that hold what the code wrote, not what people or data files wrote: they are checked.
CODE_WRITTEN = {
    ("core", "job"): {"message", "error_report", "error_detail", "result", "params"},
    ("dialogues", "importbatch"): {"errors", "failure", "left_out", "duplicate_report"},
    ("exports", "exportversion"): {"error", "summary"},
}
SKIP = ("/accounts/logout", "/api/", "/admin/", "/download/", "/files/", "/static/", "/media/")
MAX_PAGES = 45
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class _VisibleText(HTMLParser):
    """Text a browser would show; the content of scripts and styles is not text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name in SHOWN_ATTRIBUTES & values.keys():
            self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")
        self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _data_texts() -> list[str]:
    """Every text stored in the database that people or imported files wrote, longest first."""
    texts: set[str] = set()
    for model in apps.get_models():
        key = (model._meta.app_label, model._meta.model_name)
        if model._meta.app_label not in {
            "auth",
            "core",
            "dialogues",
            "review",
            "rubrics",
            "exports",
        }:
            continue
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            and field.name not in CODE_WRITTEN.get(key, set())
            and not getattr(field, "choices", None)
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            for value in row:
                for text in _strings(value):
                    texts.update(line.strip() for line in text.splitlines())
    return sorted((t for t in texts if len(t) >= 3), key=len, reverse=True)


def _phrases() -> list[str]:
    """The English fragments of the catalogues' msgids that have two or more words."""
    found: set[str] = set()
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            for msgid in (entry.msgid, entry.msgid_plural):
                for part in re.split(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}|<[^>]+>", msgid):
                    part = part.strip(" \n.,;:()“”\"'")
                    if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2:
                        found.add(part)
    return sorted(found)


PHRASES = _phrases()
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]+(?:[ ,;:()'’\-]+[A-Za-z][A-Za-z'’]*){2,}")


def _untranslated(html: str, data: list[str]) -> list[str]:
    text = _visible(html)
    for value in data:
        text = text.replace(value, " ¶ ")
    text = NAMES.sub(" ¶ ", text)
    found = [f"msgid {phrase!r}" for phrase in PHRASES if phrase in text]
    found += [f"English {run!r}" for run in ENGLISH_RUN.findall(text)]
    return found


def _chinese_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def _links(html: str) -> list[str]:
    paths = []
    for href in re.findall(r'href="(/[^"#]*)"', html):
        path = urlsplit(href.replace("&amp;", "&")).path
        if any(part in path for part in SKIP) or re.search(r"\.\w+$", path):
            continue
        paths.append(path)
    return paths


def _crawl(client: Client, start: list[str]) -> dict[str, str]:
    """Every page reachable by links from the start pages, one of each shape, breadth first."""
    queue = list(start)
    seen = {re.sub(r"/\d+/", "/N/", path) for path in queue}
    pages: dict[str, str] = {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = html
        for link in _links(html):
            shape = re.sub(r"/\d+/", "/N/", link)
            if shape not in seen:
                seen.add(shape)
                queue.append(link)
    return pages


def _problems(pages: dict[str, str]) -> list[str]:
    data = _data_texts()
    return [
        f"{where}: {problem}"
        for where, html in pages.items()
        for problem in _untranslated(html, data)
    ]


def test_the_check_finds_english_and_leaves_data_alone() -> None:
    data = ["I keep thinking I will fail my exams."]
    page = (
        "<main><h1>审阅</h1><p>I keep thinking I will fail my exams.</p>"
        "<p title='Give a score.'>格式 CounselChat JSONL</p>"
        "<script>const x = 'not shown to anyone here'</script></main>"
    )
    assert _untranslated(page, data) == ["msgid 'Give a score'", "English 'Give a score'"]
    found = _untranslated("<p>同理心：empathy: expected a number, got 'x'</p>", [])
    assert [problem for problem in found if "expected a number" in problem] == found != []


@pytest.mark.parametrize("role", ["lead", "reviewer", "trainer"])
def test_every_page_of_each_role_is_chinese(role: str) -> None:
    world = review_world(items=3, reviewers=2, overlap=2, pairs=1)
    user = {
        "lead": world.lead,
        "reviewer": world.reviewers[0],
        "trainer": member(world.project, Role.TRAINER),
    }[role]
    client = _chinese_client(user)
    start = ["/"]
    if role == "reviewer":
        opened = client.post(reverse("review:item_next", args=[world.project.slug]), follow=True)
        start.append(opened.request["PATH_INFO"])
    pages = _crawl(client, start)
    assert len(pages) >= 3
    problems = _problems(pages)
    assert problems == [], "\n".join(problems)


def test_the_errors_a_lead_and_a_reviewer_meet_are_chinese() -> None:
    world = review_world(items=3, reviewers=2, overlap=2, pairs=0)
    lead = _chinese_client(world.lead)
    slug = world.project.slug
    pages: dict[str, str] = {}

    # An adjudication with a score off the scale.
    item = world.items[0]
    response = lead.post(
        reverse("review:lead_adjudicate", args=[slug, item.pk]),
        {"reason": "原因", "score-empathy": "9", "score-homework": "na", "score-safety": "1"},
    )
    pages["adjudicate, a score off the scale"] = response.content.decode()

    # Sending back an item that is already approved.
    approved = world.items[1]
    Item.objects.filter(pk=approved.pk).update(status=Item.Status.APPROVED)
    response = lead.post(
        reverse("review:agreement_send_back", args=[slug, approved.pk]),
        {"reason": "再看一次"},
        follow=True,
    )
    pages["send back an approved item"] = response.content.decode()

    # An import that fails: a file in no known format.
    response = lead.post(
        reverse("dialogues:import_upload") + f"?project={slug}",
        {"files": [_upload("notes.txt", b"hello there, this is not a dialogue\n")]},
        follow=True,
    )
    pages["a failed import"] = response.content.decode()
    assert response.redirect_chain, "the upload was refused before any import ran"

    # Judge runs the server refuses: a host the operator did not allow, a key not configured.
    for name, base_url, key in [
        ("elsewhere", "http://judge.example.org/v1", ""),
        ("keyless", "http://127.0.0.1:9/v1", "NOT_CONFIGURED"),
    ]:
        config = JudgeConfig.objects.create(
            project=world.project, name=name, base_url=base_url, model="m", api_key_name=key
        )
        response = lead.post(reverse("review:judge_run", args=[slug, config.pk]), follow=True)
        pages[f"run judge {name}"] = response.content.decode()

    # A reviewer's submission with a score off the scale and a missing rationale.
    reviewer = _chinese_client(world.reviewers[0])
    opened = reviewer.post(reverse("review:item_next", args=[slug]), follow=True)
    response = reviewer.post(
        opened.request["PATH_INFO"] + "submit/",
        {"score-empathy": "9", "score-homework": "na", "score-safety": "1"},
        follow=True,
    )
    pages["submit, a score off the scale"] = response.content.decode()

    assert all("审" in html or "项" in html for html in pages.values())
    problems = _problems(pages)
    assert problems == [], "\n".join(problems)


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")
