"""Bad input: every problem names the file, the record (and line) and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogues.importers import FormatError, importer_for
from tests.dialogues.test_importers import FIXTURES, read

CACTUS_ROW = {
    "thought": "t",
    "patterns": ["catastrophizing"],
    "attitude": "neutral",
    "cbt_technique": "Decatastrophizing",
    "cbt_plan": "plan",
    "intake_form": "form",
    "dialogue": "Counselor: Hello.\nClient: Hi.",
}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def cactus_file(tmp_path: Path, *changes: dict) -> Path:
    rows = [{**CACTUS_ROW, **change} for change in changes]
    for row in rows:
        for key in [key for key, value in row.items() if value is ...]:
            del row[key]
    return write(tmp_path, "cactus.json", json.dumps(rows, ensure_ascii=False, indent=2))


def where(issue) -> tuple:
    return (issue.location.file, issue.location.record, issue.location.line, issue.field)


def test_invalid_json_on_a_jsonl_line_is_reported_and_the_other_lines_are_read(tmp_path):
    lines = (FIXTURES / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    path = write(tmp_path, "chat.jsonl", "\n".join([lines[0], "", '{"messages": [}', lines[1]]))

    sessions, issues = read("messages", path)

    assert len(sessions) == 2
    (issue,) = issues
    assert where(issue) == ("chat.jsonl", 2, 3, "(json)")
    assert issue.message.startswith("not valid JSON")
    assert str(issue).startswith("chat.jsonl, record 2, line 3: (json): not valid JSON")


def test_invalid_json_inside_a_json_list_names_the_record_and_line(tmp_path):
    text = json.dumps([CACTUS_ROW, CACTUS_ROW], indent=2)
    broken = text.replace('"attitude": "neutral",', '"attitude": "neutral",,', 2)
    # Only the second row is broken: repair the first.
    broken = broken.replace('"neutral",,', '"neutral",', 1)
    path = write(tmp_path, "cactus.json", broken)
    bad_line = next(i for i, line in enumerate(broken.splitlines(), 1) if ",," in line)

    sessions, issues = read("cactus", path)

    assert len(sessions) == 1
    (issue,) = issues
    assert where(issue) == ("cactus.json", 2, bad_line, "(json)")
    assert "not valid JSON" in issue.message
    assert "the records after it were not read" in issue.message


def test_a_truncated_json_list_says_so(tmp_path):
    text = json.dumps([CACTUS_ROW, CACTUS_ROW], indent=2)
    cut = text[: len(text) // 2 + 40].rstrip()
    path = write(tmp_path, "cactus.json", cut)

    sessions, issues = read("cactus", path)

    assert len(sessions) == 1
    assert issues[0].location.record == 2
    assert issues[0].location.line == len(cut.splitlines())
    assert "ends in the middle of a record" in issues[0].message


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"dialogue": ...}, "dialogue", "missing"),
        ({"dialogue": 5}, "dialogue", "expected text, got a number"),
        ({"dialogue": "   "}, "dialogue", "empty"),
        ({"cbt_plan": ["a"]}, "cbt_plan", "expected text, got a list"),
        (
            {"dialogue": "Counselor: Hello.\nTherapist: Hi."},
            "dialogue",
            "line 2 of the dialogue: unknown speaker label 'Therapist' "
            "(expected Counselor or Client)",
        ),
        (
            # In Markdown bold, as one CounselingEval record writes its labels.
            {"dialogue": "Counselor: Hello.\n**Therapist:** Hi."},
            "dialogue",
            "line 2 of the dialogue: unknown speaker label 'Therapist' "
            "(expected Counselor or Client)",
        ),
        (
            {"dialogue": "Counselor: Hello.\n**Therapist**: Hi."},
            "dialogue",
            "line 2 of the dialogue: unknown speaker label 'Therapist' "
            "(expected Counselor or Client)",
        ),
        (
            {"dialogue": "Hello there.\nClient: Hi."},
            "dialogue",
            "line 1 of the dialogue has no speaker label (Counselor: or Client:)",
        ),
        ({"patterns": [1, 2]}, "patterns", "expected a list of text"),
    ],
)
def test_cactus_record_problems(tmp_path, change, field, message):
    path = cactus_file(tmp_path, {}, change)

    sessions, issues = read("cactus", path)

    assert len(sessions) == 1
    (issue,) = issues
    assert where(issue) == ("cactus.json", 2, None, field)
    assert issue.message == message


@pytest.mark.parametrize(
    ("messages", "field", "message"),
    [
        ("hello", "messages", "expected a list, got text"),
        ([], "messages", "the conversation is empty"),
        ([{"role": "doctor", "content": "Hi"}], "messages[0].role", "'doctor' is not one of"),
        ([{"role": "user"}], "messages[0].content", "missing"),
        ([{"role": "user", "content": 3}], "messages[0].content", "expected text, got a number"),
        ([{"role": "assistant", "content": "Hi"}], "messages", "no user (client) message"),
    ],
)
def test_messages_record_problems(tmp_path, messages, field, message):
    good = {"messages": [{"role": "user", "content": "Hi"}]}
    path = write(
        tmp_path, "chat.jsonl", json.dumps(good) + "\n" + json.dumps({"messages": messages})
    )

    sessions, issues = read("messages", path)

    assert len(sessions) == 1
    (issue,) = issues
    assert where(issue) == ("chat.jsonl", 2, 2, field)
    assert issue.message.startswith(message)


def psychocounsel_line(**changes) -> str:
    row = json.loads((FIXTURES / "psychocounsel.jsonl").read_text(encoding="utf-8").splitlines()[0])
    row.update(changes)
    for key in [key for key, value in row.items() if value is ...]:
        del row[key]
    return json.dumps(row)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"chosen_empathy_rating": 7}, "chosen_empathy_rating", "7 is outside 1-5"),
        ({"rejected_safety_rating": 0}, "rejected_safety_rating", "0 is outside 1-5"),
        ({"chosen_clarity_rating": 3.5}, "chosen_clarity_rating", "3.5 is outside 1-5"),
        (
            {"rejected_staging_rating": "high"},
            "rejected_staging_rating",
            "expected a whole number 1-5, got text",
        ),
        ({"chosen_autonomy_rating": ...}, "chosen_autonomy_rating", "missing"),
        ({"rejected": ""}, "rejected", "empty"),
        ({"question": ...}, "question", "missing"),
    ],
)
def test_psychocounsel_rating_and_field_problems(tmp_path, changes, field, message):
    path = write(
        tmp_path, "pairs.jsonl", psychocounsel_line() + "\n" + psychocounsel_line(**changes)
    )

    sessions, issues = read("psychocounsel", path)

    assert len(sessions) == 1
    (issue,) = issues
    assert where(issue) == ("pairs.jsonl", 2, 2, field)
    assert issue.message == message


def test_parquet_with_missing_columns_names_them(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "pairs.parquet"
    pq.write_table(pa.table({"question": ["q"], "chosen": ["a"], "rejected": ["b"]}), path)

    with pytest.raises(FormatError) as raised:
        list(importer_for("psychocounsel").read(path=path, display_name="pairs.parquet"))

    message = str(raised.value)
    assert message.startswith("pairs.parquet: the Parquet file lacks the column(s) ")
    assert "chosen_empathy_rating" in message
    assert "rejected_staging_rating" in message


def test_a_file_that_is_not_parquet(tmp_path):
    path = write(tmp_path, "pairs.parquet", b"not parquet at all")

    with pytest.raises(FormatError, match=r"pairs\.parquet: not a readable Parquet file"):
        list(importer_for("psychocounsel").read(path=path, display_name="pairs.parquet"))


@pytest.mark.parametrize(
    ("format_name", "name", "content", "line"),
    [
        ("messages", "chat.jsonl", b'{"messages": []}\n{"messages": "caf\xe9"}\n', 2),
        ("cactus", "cactus.json", b'[\n{"dialogue": "Client: \xff\xfe"}\n]', 2),
        ("cpsycound", "case.txt", "来访者：你好\r\n心理咨询师：".encode() + b"\xc3\x28\r\n", 2),
        (
            "counselchat",
            "chat.csv",
            b"questionID,questionTitle,questionText,answerText\n1,a,b,\x80\n",
            2,
        ),
    ],
)
def test_bytes_that_are_not_utf8_name_the_line(tmp_path, format_name, name, content, line):
    path = write(tmp_path, name, content)

    with pytest.raises(FormatError) as raised:
        list(importer_for(format_name).read(path=path, display_name=name))

    assert str(raised.value).startswith(f"{name}: line {line}: bytes that are not UTF-8")


@pytest.mark.parametrize(
    ("format_name", "name", "content", "message"),
    [
        ("messages", "chat.jsonl", "", "chat.jsonl: the file is empty"),
        ("cactus", "cactus.json", "  \n\n", "cactus.json: the file is empty"),
        ("cactus", "cactus.json", "[]", "cactus.json: the JSON list holds no records"),
        ("cpsycound", "case.txt", "\r\n\r\n", "case.txt: the file is empty"),
        ("counselchat", "chat.csv", "", "chat.csv: the file is empty"),
        ("psychocounsel", "pairs.jsonl", "\n", "pairs.jsonl: the file is empty"),
    ],
)
def test_empty_files(tmp_path, format_name, name, content, message):
    path = write(tmp_path, name, content)

    with pytest.raises(FormatError) as raised:
        list(importer_for(format_name).read(path=path, display_name=name))

    assert str(raised.value) == message


def test_a_file_of_another_format_fails_every_record_and_its_sniff(tmp_path):
    path = FIXTURES / "cactus.json"
    importer = importer_for("psychocounsel")

    sessions, issues = read("psychocounsel", path)

    assert sessions == []
    assert [(i.location.record, i.field, i.message) for i in issues] == [
        (1, "question", "missing"),
        (2, "question", "missing"),
    ]
    head = path.read_text(encoding="utf-8")
    assert not type(importer).sniff(path=path, head=head)


def test_a_text_that_is_not_json_for_a_json_format(tmp_path):
    path = write(tmp_path, "notes.json", "Client: hello\n")

    with pytest.raises(FormatError, match=r"notes\.json: expected a JSON list or JSON lines"):
        list(importer_for("cactus").read(path=path, display_name="notes.json"))


def test_cpsycound_first_line_without_a_speaker(tmp_path):
    path = write(tmp_path, "case_9.txt", "\n医生：你好\n来访者：你好\n")

    sessions, issues = read("cpsycound", path)

    assert sessions == []
    (issue,) = issues
    assert where(issue) == ("case_9.txt", 1, 2, "(speaker)")
    assert "unknown speaker label" in issue.message


def test_cpsycoune_unknown_speaker_label(tmp_path):
    path = write(tmp_path, "1.json", '["求助者：你好", "医生：你好"]')

    sessions, issues = read("cpsycoune", path, "cpsycoune/职场/1.json")

    assert sessions == []
    (issue,) = issues
    assert where(issue) == ("cpsycoune/职场/1.json", 1, None, "[1]")
    assert issue.message.startswith("unknown speaker label: '医生：你好'")


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (
            '[{"role": "client", "content": "你好"}, {"role": "doctor", "content": "嗯"}]',
            "[1].role",
            "'doctor' is not one of client, counselor",
        ),
        ('[{"role": "client", "content": 3}]', "[0].content", "expected text, got a number"),
        ("[]", "(dialogue)", "the dialogue is empty"),
    ],
)
def test_smilechat_problems(tmp_path, content, field, message):
    path = write(tmp_path, "5.json", content)

    sessions, issues = read("smilechat", path)

    assert sessions == []
    assert [(i.field, i.message) for i in issues] == [(field, message)]


def test_esconv_unknown_speaker(tmp_path):
    row = json.loads((FIXTURES / "esconv.json").read_text(encoding="utf-8"))[0]
    row["dialog"][2]["speaker"] = "helper"
    path = write(tmp_path, "esconv.json", json.dumps([row]))

    sessions, issues = read("esconv", path)

    assert sessions == []
    assert (issues[0].field, issues[0].message) == (
        "dialog[2].speaker",
        "'helper' is not one of seeker, supporter, speaker, listener",
    )


def test_counselchat_missing_columns(tmp_path):
    path = write(tmp_path, "chat.csv", "questionID,questionTitle,upvotes\n1,a,3\n")

    with pytest.raises(FormatError) as raised:
        list(importer_for("counselchat").read(path=path, display_name="chat.csv"))

    assert str(raised.value).startswith(
        "chat.csv: line 1: the CSV header lacks the column(s) questionText, answerText"
    )


def test_counselchat_bad_upvotes_and_scattered_question(tmp_path):
    header = "questionID,questionTitle,questionText,answerText,upvotes\n"
    rows = (
        "1,Sad,I am sad,Tell me more,two\n2,Lonely,I am alone,That is hard,1\n1,Sad,I am sad,Hm,0\n"
    )
    path = write(tmp_path, "chat.csv", header + rows)

    sessions, issues = read("counselchat", path)

    assert [s.source_id for s in sessions] == ["2"]
    assert [(i.location.record, i.location.line, i.field, i.message) for i in issues] == [
        (1, 2, "upvotes", "line 2: expected a whole number, got 'two'"),
        (
            3,
            4,
            "questionID",
            "question 1 appeared before, as record 1; the answers of one question must be on "
            "consecutive rows",
        ),
    ]


def test_problems_are_reported_in_the_active_language(tmp_path):
    from django.utils import translation

    path = cactus_file(tmp_path, {"dialogue": "Counselor: Hello.\nTherapist: Hi."})

    with translation.override("zh-hans"):
        _, issues = read("cactus", path)

    assert issues[0].message == (
        "对话第 2 行：未知的说话人标签 'Therapist'（应为 Counselor 或 Client）"
    )


def test_invalid_json_in_a_minified_list_is_on_line_one(tmp_path):
    text = json.dumps([CACTUS_ROW, CACTUS_ROW, CACTUS_ROW])
    position = text.rindex('"attitude"')
    path = write(tmp_path, "cactus.json", text[:position] + "," + text[position:])

    sessions, issues = read("cactus", path)

    assert len(sessions) == 2
    assert where(issues[0]) == ("cactus.json", 3, 1, "(json)")
