"""Time and memory of the pure export layer: grouping, splitting and writing both formats.

    .venv/bin/python bench/export_pure.py --kind sft --items 100000

Items are synthetic and deterministic: ten-turn conversations in English-like and Chinese text
drawn from a pool of sentences, every tenth one a near-duplicate of an earlier item (a word changed,
punctuation altered). The export reads items twice, so generating them is part of the time;
it is measured on its own too, so the share of the export layer can be told apart.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exports.folder import export_folder_write
from exports.items import DpoPair, ExportItem, ExportKind, SftSession, Turn
from exports.spec import ExportRecord, ExportSpec

SYLLABLES = ["ka", "re", "mi", "to", "su", "na", "lo", "pe", "vi", "da", "ne", "ri", "so", "mu"]
# Common Chinese characters sit at the start of the CJK block; 2,500 of them cover most text.
CHARS_ZH = "".join(chr(0x4E00 + i * 7) for i in range(2_500))


def _sentence_pool(size: int, rng: random.Random) -> list[str]:
    """Sentences over a vocabulary of a few thousand words (English-like) or characters."""
    words = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(6_000)})
    pool = []
    for index in range(size):
        if index % 2:
            pool.append("".join(rng.choices(CHARS_ZH, k=rng.randint(18, 40))) + "。")
        else:
            pool.append(" ".join(rng.choices(words, k=rng.randint(12, 28))) + ".")
    return pool


def _edit(text: str, salt: int) -> str:
    """A small edit of the kind near-duplicates show."""
    if salt % 3 == 0:
        return text.replace(".", "!").replace("。", "\uff01")
    if salt % 3 == 1:
        return text.replace(" ", "  ", 2)
    return text[: len(text) // 2] + "really" + text[len(text) // 2 + 3 :]


def items(kind: ExportKind, count: int) -> Iterator[ExportItem]:
    pool = _sentence_pool(20_000, random.Random(7))
    for n in range(count):
        source = ("cactus", "smilechat", "psychocounsel")[n % 3]
        base = n - 5 if n % 10 == 9 else n  # every tenth item copies an earlier one
        language = "zh" if base % 2 else "en"
        picks = random.Random(base).choices(range(0, len(pool), 2), k=10)
        texts = [pool[pick + base % 2] for pick in picks]
        if base != n:
            texts[n % 10] = _edit(texts[n % 10], n)
        common = {
            "item_id": f"item-{n:07d}",
            "source": source,
            "language": language,
            "session_id": f"session-{n // 2:07d}" if kind is ExportKind.DPO else f"session-{n:07d}",
            "persona": f"persona-{n % 20_000}" if n % 4 == 0 else None,
            "rubric_version": "ctrs-1.0",
            "scores": {"empathy": 4.0, "safety": 5.0},
            "agreement": 0.71,
            "reviewers": ("r-1a2b3c4d", "r-5e6f7a8b"),
        }
        if kind is ExportKind.SFT:
            turns = [Turn("client" if i % 2 == 0 else "counselor", t) for i, t in enumerate(texts)]
            yield SftSession(turns=turns, **common)
        else:
            prompt = [
                Turn("client" if i % 2 == 0 else "counselor", t) for i, t in enumerate(texts[:7])
            ]
            yield DpoPair(prompt=prompt, chosen=texts[7] + texts[8], rejected=texts[9], **common)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=[k.value for k in ExportKind], default="sft")
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    kind = ExportKind(args.kind)

    started = time.perf_counter()
    for _ in items(kind, args.items):
        pass
    generation = time.perf_counter() - started

    spec = ExportSpec(kind=kind, name="bench", seed=1)
    record = ExportRecord(built_at=datetime(2026, 1, 1, tzinfo=UTC), rapport_version="bench")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = export_folder_write(
            spec=spec,
            items=lambda: items(kind, args.items),
            folder=Path(folder) / "export",
            record=record,
        )
        total = time.perf_counter() - started
        size = sum(f["bytes"] for f in result.manifest["files"])
    report = result.manifest["split_report"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.items} {kind.value} items, {report['rows']} rows, {report['groups']} groups")
    print(f"links: {report['links']}")
    for name, split in report["splits"].items():
        print(f"  {name}: {split['rows']} rows, {split['groups']} groups, ratio {split['ratio']}")
    print(f"files: {size / 1e6:.1f} MB; cpus: {os.cpu_count()}")
    print(f"generating the items once: {generation:.1f} s")
    print(f"export (two passes of generation included): {total:.1f} s")
    print(f"export without generation: {total - 2 * generation:.1f} s")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
