"""Demo step: a few hundred sessions in English and Chinese, imported the way a lead would.

The conversations are composed from the hand-written phrases in demo_data/phrases.json (a
fixed seed, so every installation gets the same sessions), written as ``messages`` JSONL, and
imported with the Cactus and PsychoCounsel examples beside them through ``import_sessions``.
A few sessions carry crisis language or personal data so that screening has something to show.
"""

from __future__ import annotations

import io
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command

from core.demo import DemoContext
from dialogues.models import Session

DATA = Path(__file__).resolve().parent / "demo_data"
SESSIONS_PER_LANGUAGE = 150
# One session in this many gets a line that screening flags.
RISK_EVERY = 12


def demo_conversations(*, language: str, count: int, seed: int = 2024) -> list[dict[str, Any]]:
    phrases = json.loads((DATA / "phrases.json").read_text(encoding="utf-8"))[language]
    rng = random.Random(f"{seed}-{language}")  # noqa: S311 (demo text, nothing secret)
    topics = sorted(phrases["topics"])
    records = []
    for number in range(count):
        topic = topics[number % len(topics)]
        material = phrases["topics"][topic]
        client = [rng.choice(material["openers"])]
        client += rng.sample(
            material["details"], k=min(len(material["details"]), rng.randint(1, 3))
        )
        if number % RISK_EVERY == RISK_EVERY - 1:
            client.insert(rng.randint(1, len(client)), rng.choice(phrases["risk"]))
        client.append(rng.choice(phrases["closers"]))
        counselor = rng.sample(phrases["counselor"], k=len(client) - 1)
        messages = []
        for index, text in enumerate(client):
            messages.append({"role": "user", "content": text})
            if index < len(counselor):
                messages.append({"role": "assistant", "content": counselor[index]})
        records.append(
            {"id": f"demo-{language}-{number + 1}", "topic": topic, "messages": messages}
        )
    return records


def demo_setup(context: DemoContext) -> None:
    project = context.project
    if Session.objects.filter(project=project, source_id__startswith="demo-").exists():
        context.log("Sessions: demo sessions already imported")
        return
    with tempfile.TemporaryDirectory(prefix="rapport-demo-") as folder:
        root = Path(folder) / "demo-sessions"
        root.mkdir()
        for language in ("en", "zh"):
            lines = [
                json.dumps(record, ensure_ascii=False)
                for record in demo_conversations(language=language, count=SESSIONS_PER_LANGUAGE)
            ]
            (root / f"conversations_{language}.jsonl").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )
        for name in ("cactus_en.json", "pairs_en.jsonl"):
            (root / name).write_bytes((DATA / name).read_bytes())
        out = io.StringIO()
        lead = next((name for name in context.users if name.endswith("lead")), "")
        call_command(
            "import_sessions",
            str(root),
            project=project.slug,
            user=lead,
            json=True,
            stdout=out,
            stderr=io.StringIO(),
        )
    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    context.log(f"Sessions: {counts['created']} imported (batch {counts['batch']})")
