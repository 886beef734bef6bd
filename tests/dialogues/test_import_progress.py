"""Import progress: bytes read of the files' total size, so a bar moves during a long file."""

from __future__ import annotations

import io
from typing import Any

import pytest

from dialogues.management.commands.import_sessions import TerminalBar
from dialogues.models import ImportBatch
from dialogues.services import imports
from dialogues.services.imports import Upload, import_batch_create, import_batch_run
from tests.dialogues.importing import conversation, jsonl
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int | None, int | None, str | None]] = []

    def __call__(
        self,
        done: int | None = None,
        *,
        total: int | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> None:
        self.calls.append((done, total, message))


def _big_jsonl(prefix: str, count: int) -> bytes:
    # Long enough turns that the file spans many read-ahead blocks of the JSONL reader.
    return jsonl(
        *(
            conversation(
                ("client", f"{prefix} {n}: " + "I keep going over the same worry. " * 40),
                ("counselor", "What do you notice when the worry starts?"),
                id=f"{prefix}-{n}",
            )
            for n in range(count)
        )
    )


def _run(files: list[tuple[str, bytes]], format_name: str = "") -> tuple[ImportBatch, Recorder]:
    batch = import_batch_create(
        project=ProjectFactory(),
        user=None,
        uploads=[Upload(name, io.BytesIO(data)) for name, data in files],
        format_name=format_name,
    )
    recorder = Recorder()
    import_batch_run(batch_id=batch.pk, progress=recorder)
    batch.refresh_from_db()
    return batch, recorder


@pytest.mark.parametrize("name", ["chats.jsonl", "chats.json"])
def test_progress_counts_bytes_read_against_the_total_size(monkeypatch, name: str) -> None:
    monkeypatch.setattr(imports._ByteMeter, "INTERVAL", 0)
    first = _big_jsonl("a", 600)
    if name.endswith(".json"):
        # A JSON list is parsed by ijson in blocks; its position must move as well.
        first = b"[" + b",".join(first.splitlines()) + b"]"
    second = _big_jsonl("b", 10)

    batch, recorder = _run([(name, first), ("more.jsonl", second)], "messages")

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 610
    size = len(first) + len(second)
    reported = [(done, total) for done, total, _m in recorder.calls if total is not None]
    assert {total for _done, total in reported} == {size}
    dones = [done for done, _total in reported]
    assert dones == sorted(dones)
    assert dones[-1] == size
    # The bar moved inside the first file, not only between files.
    inside_first = {done for done in dones if 0 < done < len(first)}
    assert len(inside_first) >= 3
    # The message says which file and how many records.
    assert any("records" in (m or "") and name in (m or "") for _d, _t, m in recorder.calls)


def test_the_terminal_bar_shows_the_share_read() -> None:
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    bar = TerminalBar(stream)

    bar.draw(250, 1000, "Reading chats.jsonl (file 1 of 1): 12 records", final=True)

    line: Any = stream.getvalue().removeprefix("\r\x1b[2K").rstrip("\n")
    assert line.startswith("[" + "#" * 7 + "." * 23 + "]  25%")
    assert line.endswith("12 records")
