"""The dataset card (README.md): a YAML header that tells ``datasets`` which files make which
configuration and split, so ``load_dataset(folder)`` reads an export as it is, and a short
text for the people who train on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from exports.items import ExportKind, SftStart
from exports.spec import ExportSpec, JudgeSource
from exports.splitting import SPLITS
from exports.writers import WrittenFile

_COLUMNS = {
    ExportKind.SFT: "`messages`: the conversation as a list of `{role, content}` messages "
    "(`system`, `user` for the client, `assistant` for the counselor).",
    ExportKind.DPO: "`prompt`: the conversation up to the client's turn, as `{role, content}` "
    "messages; `chosen` and `rejected`: one `assistant` message each.",
}


def card_configs(*, spec: ExportSpec, files: Sequence[WrittenFile]) -> list[dict[str, Any]]:
    """``default`` (the data) and ``provenance``, both in the first format of the export.

    Only one format can be declared: ``datasets`` picks one reader for a folder, from the
    files of its first configuration, and uses it for every configuration. The other formats
    sit beside it and load by naming their files (see the card's text).
    """
    primary = spec.formats[0]
    configs = []
    for name, role in (("default", "data"), ("provenance", "provenance")):
        by_split = {f.split: f.path for f in files if f.format == primary and f.role == role}
        data_files = [{"split": s, "path": by_split[s]} for s in SPLITS if s in by_split]
        configs.append({"config_name": name, "data_files": data_files})
    return configs


_ARTICLE = {ExportKind.SFT: "An", ExportKind.DPO: "A"}
_STARTS = {
    SftStart.KEEP: "Rows keep the source's opening: a session that opens with the counselor "
    "gives a row whose first message (after any system prompt) is the assistant's; some chat "
    "templates refuse that.",
    SftStart.FIRST_CLIENT: "Rows start at the first client turn: counselor turns before the "
    "client's first words were dropped, so every row's first message after any system prompt "
    "is the user's. `turn_index` still counts the session's turns as the source has them.",
}
_READERS = {"jsonl": "json", "parquet": "parquet"}


def _other_formats(*, spec: ExportSpec, files: Sequence[WrittenFile]) -> str:
    lines = []
    for fmt in spec.formats[1:]:
        by_split = {f.split: f.path for f in files if f.format == fmt and f.role == "data"}
        mapping = "".join(
            f'        "{s}": f"{{folder}}/{by_split[s]}",\n' for s in SPLITS if s in by_split
        )
        lines.append(
            f"\n# The same rows as {fmt.upper()}:\n"
            'folder = "path/to/this/folder"\n'
            f'{fmt} = load_dataset(\n    "{_READERS.get(fmt, fmt)}",\n    data_files={{\n'
            f"{mapping}    }},\n)\n"
        )
    return "".join(lines)


def _agreement(agreement: Mapping[str, Any]) -> str:
    """The agreement the rows rest on, per criterion of the rubric they came from and project
    (the manifest's ``agreement``); nothing when none was recorded."""
    rows = [
        (code, entry)
        for code, entries in sorted(agreement.items())
        if isinstance(entries, list)
        for entry in entries
    ]
    if not rows:
        return ""
    lines = "".join(
        f"| {code} | {entry.get('rubric') or '—'} | {entry.get('project')} | "
        f"{'—' if entry.get('alpha') is None else format(entry['alpha'], '.3f')} | "
        f"{'—' if entry.get('bar') is None else format(entry['bar'], 'g')} |\n"
        for code, entry in rows
    )
    return (
        "## Agreement\n\n"
        "Krippendorff's alpha among the reviewers at export time, for the rubric the rows came "
        "from (for pairs from pair items: the reviewers' choices, overall and per principle; "
        "— where it cannot be measured).\n\n"
        "| criterion | rubric | project | alpha | bar |\n|---|---|---|---|---|\n" + lines + "\n"
    )


def _judge(judge: JudgeSource | None, report: dict[str, Any]) -> str:
    """How many items the judge labelled, and which judge; nothing without judge items."""
    if judge is None:
        return ""
    items = sum(report["splits"][split]["items"] for split in SPLITS)
    configuration = judge.configuration
    return (
        "## Labels from an LLM judge\n\n"
        f"{judge.items} of the {items} items were labelled by the LLM judge "
        f'"{configuration.get("name")}" (model `{configuration.get("model")}`, prompt '
        f"{judge.prompt_version}) without a human review: items the judge was sure about "
        f"(uncertainty at most {judge.max_uncertainty}) and that no clinician reviewed. The "
        "other items were labelled by clinicians. Each provenance row says whose label it is "
        "in `label_source` (`human` or `judge`); `manifest.json` names the judge, its prompt "
        "hash, the run and its calibration examples under `judge`.\n\n"
    )


def card_render(
    *,
    spec: ExportSpec,
    files: Sequence[WrittenFile],
    report: dict[str, Any],
    languages: list[str],
    agreement: Mapping[str, Any] | None = None,
    judge: JudgeSource | None = None,
) -> str:
    header = {
        "configs": card_configs(spec=spec, files=files),
        "pretty_name": spec.name,
        "license": spec.license,
        "language": languages,
        "task_categories": ["text-generation"],
        "tags": ["counseling", "rapport", spec.kind.value],
    }
    splits = report["splits"]
    table = "\n".join(
        f"| {name} | {splits[name]['rows']} | {splits[name]['groups']} | "
        f"{splits[name]['target_ratio']:g} | {splits[name]['ratio']:g} |"
        for name in SPLITS
    )
    trainer = "SFTTrainer" if spec.kind is ExportKind.SFT else "DPOTrainer"
    near = spec.near_duplicates
    return (
        "---\n"
        + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=1000)
        + "---\n\n"
        + f"# {spec.name}\n\n"
        + f"{_ARTICLE[spec.kind]} {spec.kind.value.upper()} export from Rapport: synthetic "
        "counseling dialogues "
        "reviewed by licensed psychologists against clinical rubrics. The data files hold "
        f"TRL's conversational columns, ready for `{trainer}`.\n\n"
        + f"{_COLUMNS[spec.kind]}\n\n"
        + (f"{_STARTS[spec.sft_start]}\n\n" if spec.kind is ExportKind.SFT else "")
        + "| split | rows | groups | target ratio | ratio |\n|---|---|---|---|---|\n"
        + f"{table}\n\n"
        + _agreement(agreement or {})
        + _judge(judge, report)
        + "## Loading\n\n"
        + "```python\nfrom datasets import load_dataset\n\n"
        + 'data = load_dataset("path/to/this/folder")  # train, validation and test\n'
        + 'provenance = load_dataset("path/to/this/folder", "provenance")\n'
        + _other_formats(spec=spec, files=files)
        + "```\n\n"
        + "The provenance configuration has one row per data row, in the same order: ids, "
        "source, language, group, rubric version, scores, agreement and pseudonymous reviewer "
        "ids.\n\n"
        + "## How the splits were made\n\n"
        + "Related items never straddle splits: items sharing a source session, a client "
        "speech, a client thought or persona, or near-duplicate text (character "
        f"{near.shingle_size}-shingles, estimated Jaccard similarity at least {near.threshold:g}) "
        f"form one group, and whole groups were assigned to splits with seed {spec.seed}, "
        "stratified by source and language. `manifest.json` has the full specification, the "
        "split report and the SHA-256 of every file.\n"
    )
