"""Time and memory of the pure export layer: grouping, splitting and writing both formats.

    .venv/bin/python bench/export_pure.py --kind sft --items 100000

Items are synthetic and deterministic: ten-turn conversations in English-like and Chinese text
drawn from a pool of sentences, every tenth one a near-duplicate of an earlier item (a word changed,
punctuation altered). Generating them is part of the export's time, so it is
measured on its own too, and the share of the export layer can be told apart.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exports.folder import export_folder_write, export_group
from exports.items import DpoPair, ExportItem, ExportKind, SftSession, Turn
from exports.spec import ExportRecord, ExportSpec
from exports.splitting import splits_assign

# Common Chinese characters sit at the start of the CJK block; 2,500 of them cover most text.
CHARS_ZH = "".join(chr(0x4E00 + i * 7) for i in range(2_500))


def _sentence_pool(size: int, rng: random.Random) -> list[str]:
    """Sentences drawn with Zipf-like frequencies from 5,000 made-up words or 2,500 characters,
    so unrelated sessions overlap about as much as real ones (3-shingle Jaccard below 0.2 in
    the sample datasets)."""
    letters = "etaoinshrdlcumwfgypbvk"
    words = ["".join(rng.choices(letters, k=rng.randint(2, 8))) for _ in range(5_000)]
    weights = list(itertools.accumulate(1 / rank for rank in range(1, 5_001)))
    char_weights = list(itertools.accumulate(1 / rank for rank in range(1, 2_501)))
    pool = []
    for index in range(size):
        if index % 2:
            chars = rng.choices(CHARS_ZH, cum_weights=char_weights, k=rng.randint(30, 80))
            pool.append("".join(chars) + "。")
        else:
            chosen = rng.choices(words, cum_weights=weights, k=rng.randint(12, 28))
            pool.append(" ".join(chosen) + ".")
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


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call: on a shared machine the CPU time is the steadier one."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=[k.value for k in ExportKind], default="sft")
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    kind = ExportKind(args.kind)
    spec = ExportSpec(kind=kind, name="bench", seed=1)
    record = ExportRecord(built_at=datetime(2026, 1, 1, tzinfo=UTC), rapport_version="bench")

    def source() -> Iterator[ExportItem]:
        return items(kind, args.items)

    generation = _timed(lambda: sum(1 for _ in source()))
    with tempfile.TemporaryDirectory() as folder:
        results = []
        export = _timed(
            lambda: results.append(
                export_folder_write(
                    spec=spec, items=source(), folder=Path(folder) / "export", record=record
                )
            )
        )
        size = sum(f["bytes"] for f in results[0].manifest["files"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Grouping and splitting once more on their own for the breakdown, after the peak RSS of
    # the export was taken.
    grouping = _timed(
        lambda: splits_assign(
            grouping=export_group(spec=spec, items=source())[0], ratios=spec.ratios, seed=spec.seed
        )
    )
    report = results[0].manifest["split_report"]
    print(f"{args.items} {kind.value} items, {report['rows']} rows, {report['groups']} groups")
    print(f"links: {report['links']}")
    for name, split in report["splits"].items():
        print(f"  {name}: {split['rows']} rows, {split['groups']} groups, ratio {split['ratio']}")
    print(f"files: {size / 1e6:.1f} MB; cpus: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}")
    print("seconds                                   wall    cpu")
    lines = [
        ("export, all of it", export[0], export[1]),
        ("  generating the items", generation[0], generation[1]),
        ("  grouping and splitting", grouping[0] - generation[0], grouping[1] - generation[1]),
        (
            "  writing, card, manifest",
            export[0] - grouping[0],
            export[1] - grouping[1],
        ),
    ]
    for label, wall, cpu in lines:
        print(f"{label:<40}{wall:6.1f} {cpu:6.1f}")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
