"""Exports made without judge items keep their files byte for byte.

The digests below were taken from the code before judge-accepted items existed: a change that
alters the provenance, the card or the manifest of an ordinary export shows here.
"""

import hashlib

from exports.folder import export_folder_write
from exports.items import ExportKind, Turn
from exports.spec import ExportSpec
from tests.exports.factories import DpoPairFactory, SftSessionFactory

PINNED_SFT = {
    "manifest.json": "626fd2a73fd093b2fe9bc162819c2c419f6cf8b1ca296f42a1384a2b7eb59dc8",
    "README.md": "dbd531d31857fa04d5e6c16ee2e76c5d8fe94a97dfae12ac86d7dca70b38b619",
    "provenance/train.jsonl": "ced1e45025ec6bb80b0abac0a6ead38abee0238e7053ce0b8d6f9a9be6be0d0a",
}
PINNED_DPO = {
    "manifest.json": "05645ea543ac50d2ce4a9498561a96218e504882b0edf0b3872eae9e10e9aa15",
    "README.md": "c5562a01a31db47bdd1e6f0669b4b8d2d2930be5588a1ce6325f12fd2929f832",
    "provenance/train.jsonl": "5aa199b50adc4461bcb632ee934e9234459f67d966d8dc3be6e441c933c16400",
}


def _digests(folder, names):
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


def _sessions():
    return [
        SftSessionFactory.build(
            item_id=f"item-{n}",
            session_id=f"session-{n}",
            turns=[
                Turn("client", f"Fixed client words number {n}, about sleep and work."),
                Turn("counselor", f"Fixed counselor answer {n}: what keeps you awake?"),
            ],
        )
        for n in range(12)
    ]


def _pairs():
    return [
        DpoPairFactory.build(
            item_id=f"pair-{n}",
            session_id=f"session-{n}",
            prompt=[Turn("client", f"Fixed client speech {n} about a sister and a house.")],
        )
        for n in range(12)
    ]


def test_an_sft_export_without_judge_items_is_unchanged(tmp_path, record):
    spec = ExportSpec(kind=ExportKind.SFT, name="pinned", seed=5, formats=("jsonl",))

    export_folder_write(spec=spec, items=_sessions(), folder=tmp_path / "e", record=record)

    assert _digests(tmp_path / "e", PINNED_SFT) == PINNED_SFT


def test_a_dpo_export_without_judge_items_is_unchanged(tmp_path, record):
    spec = ExportSpec(kind=ExportKind.DPO, name="pinned", seed=5, formats=("jsonl",))

    export_folder_write(spec=spec, items=_pairs(), folder=tmp_path / "e", record=record)

    assert _digests(tmp_path / "e", PINNED_DPO) == PINNED_DPO
