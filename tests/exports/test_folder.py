import hashlib
import json

import pytest

from exports.folder import export_folder_write
from exports.items import ExportKind, SftMode, Turn
from exports.spec import ExportSpec
from exports.splitting import SPLITS
from tests.exports.factories import DpoPairFactory, SftSessionFactory
from tests.exports.fixtures import near_duplicate_families


def _pairs():
    """Preference pairs: every near-duplicate family, plus unrelated pairs, two sources."""
    pairs = []
    for family, (language, texts) in enumerate(near_duplicate_families()):
        for variant, text in enumerate(texts):
            pairs.append(
                DpoPairFactory.build(
                    item_id=f"f{family:02d}-v{variant}",
                    language=language,
                    source=("psychocounsel", "cbt-qa")[family % 2],
                    prompt=[Turn("client", text)],
                )
            )
    pairs += DpoPairFactory.build_batch(120, source="psychocounsel")
    return pairs


def _sessions():
    return SftSessionFactory.build_batch(
        60, system_prompt="You are a counselor."
    ) + SftSessionFactory.build_batch(40, source="smilechat", language="zh")


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_dpo_folder_loads_with_trl_preference_columns(tmp_path, record, load_dataset):
    pairs = _pairs()
    spec = ExportSpec(kind=ExportKind.DPO, name="Counseling preferences", seed=4)

    export_folder_write(spec=spec, items=pairs, folder=tmp_path / "dpo", record=record)

    data = load_dataset(str(tmp_path / "dpo"))
    assert set(data) == set(SPLITS)
    assert sum(len(data[s]) for s in SPLITS) == len(pairs)
    row = data["train"][0]
    assert list(row) == ["prompt", "chosen", "rejected"]
    assert row["prompt"][-1]["role"] == "user"
    assert [m["role"] for m in row["chosen"]] == ["assistant"]
    assert [m["role"] for m in row["rejected"]] == ["assistant"]
    # The JSONL copy holds the same rows.
    jsonl = load_dataset(
        "json", data_files={s: str(tmp_path / f"dpo/data/{s}.jsonl") for s in SPLITS}
    )
    assert jsonl["test"].to_list() == data["test"].to_list()


def test_sft_folder_loads_with_messages_and_aligned_provenance(tmp_path, record, load_dataset):
    sessions = _sessions()
    spec = ExportSpec(kind=ExportKind.SFT, name="Counseling sessions", sft_mode=SftMode.TURN)

    export_folder_write(spec=spec, items=sessions, folder=tmp_path / "sft", record=record)

    data = load_dataset(str(tmp_path / "sft"))
    provenance = load_dataset(str(tmp_path / "sft"), "provenance")
    assert data["train"].column_names == ["messages"]
    first = data["train"][0]["messages"]
    assert first[0] == {"role": "system", "content": "You are a counselor."}
    assert first[-1]["role"] == "assistant"
    for split in SPLITS:
        assert len(provenance[split]) == len(data[split])
    by_id = {s.item_id: s for s in sessions}
    for messages, prov in zip(
        data["validation"]["messages"], provenance["validation"], strict=True
    ):
        session = by_id[prov["item_id"]]
        assert messages[-1]["content"] == session.turns[prov["turn_index"]].text
        assert prov["reviewers"] == list(session.reviewers)
        assert prov["rubric_version"] == "ctrs-1.0"


def test_no_near_duplicate_family_crosses_splits_in_the_files(tmp_path, record):
    spec = ExportSpec(kind=ExportKind.DPO, name="p", seed=9, formats=("jsonl",))

    pairs = _pairs()

    export_folder_write(spec=spec, items=pairs, folder=tmp_path / "e", record=record)

    split_of = {}
    for split in SPLITS:
        for line in (tmp_path / f"e/provenance/{split}.jsonl").read_text("utf-8").splitlines():
            split_of[json.loads(line)["item_id"]] = split
    for family, (_, texts) in enumerate(near_duplicate_families()):
        assert len({split_of[f"f{family:02d}-v{v}"] for v in range(len(texts))}) == 1


def test_same_specification_and_seed_give_byte_identical_folders(tmp_path, record):
    pairs = _pairs()
    spec = ExportSpec(kind=ExportKind.DPO, name="p", seed=21)

    for name in ("one", "two"):
        export_folder_write(spec=spec, items=pairs, folder=tmp_path / name, record=record)
    other = ExportSpec(kind=ExportKind.DPO, name="p", seed=22)
    export_folder_write(spec=other, items=pairs, folder=tmp_path / "three", record=record)

    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert "data/train.parquet" in one
    assert "manifest.json" in one
    assert one == two
    assert _files(tmp_path / "three")["data/train.jsonl"] != one["data/train.jsonl"]


def test_manifest_checksums_match_every_file(tmp_path, record):
    folder = tmp_path / "e"
    spec = ExportSpec(kind=ExportKind.SFT, name="s", seed=2)

    sessions = _sessions()

    result = export_folder_write(spec=spec, items=sessions, folder=folder, record=record)

    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest == result.manifest
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = set(_files(folder)) - {"manifest.json"}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        content = (folder / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["bytes"] == len(content)
    assert manifest["built_at"] == "2026-11-23T09:30:00Z"
    assert manifest["rubric_versions"] == ["ctrs-1.0"]
    assert manifest["item_approvers"] == ["lead-1"]
    assert manifest["agreement"] == {"empathy": {"alpha": 0.71, "items": 120}}
    assert manifest["specification"]["seed"] == 2
    assert manifest["specification"]["near_duplicates"]["threshold"] == 0.5
    # The hashing is named, so nobody expects code hashing otherwise to rebuild the same files.
    assert manifest["specification"]["near_duplicates"]["method"] == "rapport-minhash/2"
    assert sum(c["rows"] for c in manifest["counts"].values()) == 100
    assert manifest["split_report"]["groups"] == 100


def test_card_declares_configs_and_splits(tmp_path, record):
    spec = ExportSpec(kind=ExportKind.SFT, name="Sessions", seed=1)
    sessions = _sessions()

    export_folder_write(spec=spec, items=sessions, folder=tmp_path / "e", record=record)

    card = (tmp_path / "e/README.md").read_text("utf-8")
    header = card.split("---\n")[1]
    assert "config_name: default" in header
    assert "config_name: provenance" in header
    for split in SPLITS:
        assert f"path: data/{split}.parquet" in header
    assert "- zh" in header
    assert "# Sessions" in card


def test_wrong_kind_of_item_is_refused_and_writes_nothing(tmp_path, record):
    spec = ExportSpec(kind=ExportKind.DPO, name="p")
    items = [DpoPairFactory.build(), SftSessionFactory.build(item_id="s-3")]

    with pytest.raises(TypeError, match=r"item 2 \(s-3\): a dpo export takes DpoPair items"):
        export_folder_write(spec=spec, items=items, folder=tmp_path / "e", record=record)

    assert not (tmp_path / "e").exists()


def test_a_bad_item_late_in_the_stream_leaves_the_folder_as_it_was(tmp_path, record):
    (tmp_path / "e").mkdir()
    pairs = [*_pairs(), DpoPairFactory.build(item_id="late", prompt=[Turn("counselor", "Hi")])]
    spec = ExportSpec(kind=ExportKind.DPO, name="p")

    with pytest.raises(ValueError, match="late: prompt"):
        export_folder_write(spec=spec, items=pairs, folder=tmp_path / "e", record=record)

    assert list((tmp_path / "e").iterdir()) == []


def test_items_are_read_once(tmp_path, record):
    pairs = _pairs()
    spec = ExportSpec(kind=ExportKind.DPO, name="p")

    # A generator can be consumed only once, as a database cursor would be.
    result = export_folder_write(
        spec=spec, items=(pair for pair in pairs), folder=tmp_path / "e", record=record
    )

    assert result.manifest["split_report"]["rows"] == len(pairs)


def test_existing_files_are_never_overwritten(tmp_path, record):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "notes.txt").write_text("keep")

    with pytest.raises(ValueError, match="must be empty"):
        export_folder_write(
            spec=ExportSpec(kind=ExportKind.SFT, name="s"),
            items=_sessions,
            folder=tmp_path / "e",
            record=record,
        )

    assert (tmp_path / "e" / "notes.txt").read_text() == "keep"


def test_a_build_collects_garbage_less_often_and_restores_the_threshold(
    tmp_path, record, monkeypatch
):
    import gc

    from exports import folder as folder_module

    seen = []
    real_build = folder_module._build

    def watching_build(**kwargs):
        seen.append(gc.get_threshold()[0])
        return real_build(**kwargs)

    monkeypatch.setattr(folder_module, "_build", watching_build)
    before = gc.get_threshold()
    spec = ExportSpec(kind=ExportKind.DPO, name="Collector", seed=4)
    export_folder_write(spec=spec, items=_pairs(), folder=tmp_path / "ok", record=record)
    assert seen == [folder_module.GC_THRESHOLD]
    assert gc.get_threshold() == before
    # A failed build puts the threshold back too.
    with pytest.raises(ValueError, match="nothing to export"):
        export_folder_write(spec=spec, items=[], folder=tmp_path / "empty", record=record)
    assert gc.get_threshold() == before
