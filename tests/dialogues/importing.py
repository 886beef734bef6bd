"""Helpers for import tests: write message files and run a batch the way the job does."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from core.models import Project
from dialogues.models import ImportBatch
from dialogues.services.imports import Upload, import_batch_create, import_batch_run


def conversation(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    role = {"client": "user", "counselor": "assistant", "system": "system"}
    return {
        **extra,
        "messages": [{"role": role[speaker], "content": text} for speaker, text in turns],
    }


def jsonl(*records: Any) -> bytes:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    ).encode()


EXAM = conversation(
    ("client", "I keep thinking I will fail my exams."),
    ("counselor", "What goes through your mind when you sit down to study?"),
    id="exam-1",
    topic="study",
)
SLEEP = conversation(
    ("client", "我最近总是睡不着，脑子里一直在想工作的事。"),
    ("counselor", "听起来工作的压力一直跟着你到了晚上。"),
    id="sleep-1",
)


def run_import(
    project: Project,
    files: Sequence[tuple[str, bytes]],
    *,
    format_name: str = "",
    skip_invalid: bool = False,
    user: Any = None,
) -> ImportBatch:
    batch = import_batch_create(
        project=project,
        user=user,
        uploads=[Upload(name, io.BytesIO(data)) for name, data in files],
        format_name=format_name,
        skip_invalid=skip_invalid,
    )
    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def stored_upload(batch: ImportBatch) -> Path:
    """The folder holding the batch's uploaded files on the local storage backend."""
    return Path(settings.MEDIA_ROOT) / batch.upload_path
