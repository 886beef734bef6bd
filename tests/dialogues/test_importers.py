"""Each importer on fixtures written in its format, with the format's quirks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dialogues.importers import (
    CandidateRecord,
    PreferenceRecord,
    RatingRecord,
    RecordIssue,
    SessionRecord,
    TurnRecord,
    format_detect,
    importer_for,
)

FIXTURES = Path(__file__).parent / "fixtures"


def read(format_name: str, path: Path, display_name: str | None = None):
    """The sessions and issues an importer yields for ``path``."""
    records = list(
        importer_for(format_name).read(path=path, display_name=display_name or path.name)
    )
    sessions = [record for record in records if isinstance(record, SessionRecord)]
    issues = [record for record in records if isinstance(record, RecordIssue)]
    assert len(sessions) + len(issues) == len(records)
    return sessions, issues


def speakers(session: SessionRecord) -> list[str]:
    return [turn.speaker for turn in session.turns]


def test_cactus_training_layout_keeps_turns_qualifiers_and_metadata():
    sessions, issues = read("cactus", FIXTURES / "cactus.json")

    assert issues == []
    assert len(sessions) == 2
    first = sessions[0]
    assert speakers(first) == ["counselor", "client"] * 3
    # The qualifier stays with the words, and an unlabelled line continues the client's turn.
    assert first.turns[3] == TurnRecord(
        "client", "(sighs) My boss would finally see I am a fraud.\nI mean it, every time."
    )
    assert first.metadata == {
        "thought": "If I miss one deadline my boss will see I am a fraud.",
        "patterns": ["catastrophizing", "labeling and mislabeling"],
        "intake_form": (
            "Name:\nTom Reyes\nAge:\n34\n\n2. Presenting Problem\nWorries about deadlines."
        ),
        "attitude": "negative",
        "cbt_technique": "Decatastrophizing",
        "cbt_plan": (
            "Decatastrophizing\n\nCounseling plan:\n1. Name the feared outcome.\n"
            "2. Rate how likely it is."
        ),
    }
    assert first.location.record == 1
    # Patterns given as one comma-separated string become a list as well.
    assert sessions[1].metadata["patterns"] == ["all-or-nothing thinking", "overgeneralization"]
    assert sessions[1].turns[1] == TurnRecord("client", "期中考试没考好。")


def test_cactus_eval_reads_the_opening_exchange_and_the_chinese_translation():
    sessions, issues = read("cactus_eval", FIXTURES / "cactus_eval.json")

    assert issues == []
    english, chinese = sessions
    assert english.turns == [
        TurnRecord("counselor", "Hi Anna, how can I help today?"),
        TurnRecord("client", "I keep telling myself I will never learn to swim."),
    ]
    assert english.language is None
    assert english.metadata["cbt_technique"] == "Alternative Perspective"
    assert english.metadata["ground_truth_cbt"] == ["Alternative Perspective"]
    assert english.metadata["intake_form"].startswith("Name:\nAnna Berg")
    assert english.metadata["attitude"] == "positive"

    assert chinese.source_id == "7"
    assert chinese.language == "zh"
    assert chinese.turns == [
        TurnRecord("counselor", "你好，Anna，今天我能怎么帮你？"),
        TurnRecord("client", "我总觉得自己永远学不会游泳。"),
    ]
    assert chinese.metadata["ground_truth_cbt"] == [
        "Continuum Technique",
        "Alternative Perspective",
    ]


def test_cactus_simulated_session_keeps_history_plan_and_intake():
    sessions, issues = read("cactus_session", FIXTURES / "cactus_session.json")

    assert issues == []
    (session,) = sessions
    assert speakers(session) == ["counselor", "client", "counselor"]
    assert session.turns[1].text == "My exam. If I fail I lose everything."
    assert session.metadata == {
        "cbt_technique": "Decatastrophizing",
        "cbt_plan": "Decatastrophizing\n1. Name the worst case.",
        "intake_form": "Name:\nLeo Park\nAge:\n22",
        "attitude": "negative",
        "ground_truth_cbt": ["Decatastrophizing"],
    }


def _assert_psychocounsel(sessions: list[SessionRecord]) -> None:
    assert len(sessions) == 2
    first = sessions[0]
    assert first.source_id == "pc-1"
    assert first.language == "en"
    assert first.turns == [
        TurnRecord("client", "I can't stop replaying the argument with my brother.")
    ]
    assert first.candidates == [
        CandidateRecord(
            key="chosen",
            text=(
                "That argument sounds like it is still very present for you. "
                "What part of it keeps coming back?"
            ),
            turn_index=1,
            model_name="model-a",
        ),
        CandidateRecord(
            key="rejected", text="Just stop thinking about it.", turn_index=1, model_name="model-b"
        ),
    ]
    assert first.preferences == [
        PreferenceRecord(
            chosen_key="chosen", rejected_key="rejected", provenance="PsychoCounsel-Preference"
        )
    ]
    assert len(first.ratings) == 14
    assert {rating.rater for rating in first.ratings} == {"gpt-4o (PsychoCounsel-Preference)"}
    assert (
        RatingRecord(
            criterion="exploration",
            score=1,
            rater="gpt-4o (PsychoCounsel-Preference)",
            candidate_key="rejected",
        )
        in first.ratings
    )
    chosen = {r.criterion: r.score for r in first.ratings if r.candidate_key == "chosen"}
    assert chosen == {
        "empathy": 5,
        "relevance": 5,
        "clarity": 4,
        "safety": 5,
        "exploration": 5,
        "autonomy": 4,
        "staging": 4,
    }
    assert sessions[1].candidates[1].model_name == "model-c"


def test_psychocounsel_jsonl():
    sessions, issues = read("psychocounsel", FIXTURES / "psychocounsel.jsonl")

    assert issues == []
    _assert_psychocounsel(sessions)
    assert sessions[0].location.line == 1


def test_psychocounsel_parquet_reads_the_same_pairs(tmp_path):
    pyarrow_json = pytest.importorskip("pyarrow.json")
    import pyarrow.parquet as pq

    table = pyarrow_json.read_json(FIXTURES / "psychocounsel.jsonl")
    path = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(table, path)

    sessions, issues = read("psychocounsel", path)

    assert issues == []
    _assert_psychocounsel(sessions)


def test_cbt_qa_joins_question_and_description_into_the_client_turn():
    sessions, issues = read("cbt_qa", FIXTURES / "cbt_qa.jsonl")

    assert issues == []
    first, second = sessions
    assert first.language == "zh"
    assert first.turns[0] == TurnRecord(
        "client", "总是担心考试考不好怎么办？\n每次考试前都睡不着，觉得一定会失败。"
    )
    assert first.turns[1].speaker == "counselor"
    assert first.turns[1].text.startswith("考前紧张说明你很在意结果。")
    # An empty description leaves the question alone.
    assert second.turns[0] == TurnRecord("client", "和朋友闹矛盾后很内疚")


def test_instruction_layout_system_prompt_input_and_output():
    sessions, issues = read("instruction", FIXTURES / "instruction.json")

    assert issues == []
    with_input, alpaca = sessions
    assert speakers(with_input) == ["system", "client", "counselor"]
    assert with_input.turns[1].text == "I have felt numb since I moved to a new city."
    # With an empty input, the instruction holds the client's words.
    assert alpaca.turns == [
        TurnRecord("client", "How do I stop overthinking every text I send?"),
        TurnRecord(
            "counselor",
            "Overthinking often comes from worry about how others see us. "
            "What do you fear a text might reveal?",
        ),
    ]


def test_cpsycound_crlf_and_unlabelled_lines_join_the_previous_speaker():
    path = FIXTURES / "cpsycound_case_1.txt"
    assert b"\r\n" in path.read_bytes()

    sessions, issues = read("cpsycound", path)

    assert issues == []
    (session,) = sessions
    assert session.source_id == "cpsycound_case_1"
    assert session.language == "zh"
    assert speakers(session) == ["client", "counselor", "client", "counselor", "client"]
    assert session.turns[3].text == (
        "我们可以试着这样做：\n1. 每天写下让你担心的事情。\n2. 给每件事排一个先后顺序。\n\n"
        "（一段时间后）"
    )
    assert all("\r" not in turn.text for turn in session.turns)


def test_cpsycound_without_blank_lines():
    sessions, issues = read("cpsycound", FIXTURES / "cpsycound_case_2.txt")

    assert issues == []
    assert speakers(sessions[0]) == ["client", "counselor", "client"]


def test_cpsycoune_topic_is_the_folder_inside_the_upload():
    path = FIXTURES / "cpsycoune" / "婚恋" / "1.json"

    sessions, issues = read("cpsycoune", path, display_name="cpsycoune/婚恋/1.json")

    assert issues == []
    (session,) = sessions
    assert session.topic == "婚恋"
    assert session.source_id == "婚恋/1"
    assert session.language == "zh"
    assert speakers(session) == ["client", "counselor", "client", "counselor"]
    assert session.turns[0].text == "我和男朋友经常吵架，我不知道该不该分手。"


def test_smilechat_one_dialogue_per_file_with_set_annotation_labels():
    sessions, issues = read("smilechat", FIXTURES / "smilechat" / "12.json", "smilechat/12.json")

    assert issues == []
    (session,) = sessions
    assert session.source_id == "12"
    assert speakers(session) == ["client", "counselor", "client"]
    assert session.turns[2].text == "心跳很快，睡不着。"
    assert session.metadata == {
        "annotations": [
            {"turn": 1, "sentence": "临近高考感到焦虑是很常见的。", "label": "情感反映"}
        ]
    }


def test_esconv_speakers_strategies_and_survey():
    sessions, issues = read("esconv", FIXTURES / "esconv.json")

    assert issues == []
    (session,) = sessions
    assert speakers(session) == ["client", "counselor", "counselor", "client"]
    assert session.topic == "job crisis"
    assert session.language == "en"
    assert session.metadata["strategies"] == [
        {"turn": 1, "strategy": "Question"},
        {"turn": 2, "strategy": "Reflection of feelings"},
    ]
    assert session.metadata["emotion_type"] == "anxiety"
    assert session.metadata["situation"] == "I may lose my job next month."
    assert session.metadata["survey_score"]["seeker"]["final_emotion_intensity"] == "2"


def test_failed_esconv_layout_reads_speaker_as_client_and_listener_as_counselor():
    # FailedESConv.json names the two sides speaker / listener instead of seeker / supporter.
    sessions, issues = read("esconv", FIXTURES / "failed_esconv.json")

    assert issues == []
    (session,) = sessions
    assert speakers(session) == ["client", "counselor", "client", "counselor"]
    assert session.topic == "breakup with partner"
    assert session.metadata["strategies"] == [{"turn": 1, "strategy": "Question"}]


def test_counselchat_answers_become_candidates_and_upvotes_preferences():
    sessions, issues = read("counselchat", FIXTURES / "counselchat.csv")

    assert issues == []
    worthless, grief = sessions
    assert worthless.source_id == "0"
    assert worthless.location.line == 2
    assert worthless.topic == "depression"
    assert worthless.turns == [
        TurnRecord(
            "client",
            "How do I stop feeling worthless?\nI barely sleep and keep thinking I am worthless.\n"
            "   How can I change this?",
        )
    ]
    assert [c.key for c in worthless.candidates] == ["answer-1", "answer-2", "answer-3"]
    assert {c.turn_index for c in worthless.candidates} == {1}
    assert [c.metadata["upvotes"] for c in worthless.candidates] == [3, 1, 0]
    assert worthless.candidates[2].text == "You are not alone in this."
    pairs = {(p.chosen_key, p.rejected_key) for p in worthless.preferences}
    assert pairs == {("answer-1", "answer-2"), ("answer-1", "answer-3"), ("answer-2", "answer-3")}
    assert {p.provenance for p in worthless.preferences} == {"CounselChat upvotes"}
    # The grief question starts on line 8, after the multi-line cells of the first question.
    assert grief.location.line == 8
    assert grief.preferences == []


def test_counselchat_never_keeps_therapist_names_or_urls():
    sessions, _ = read("counselchat", FIXTURES / "counselchat.csv")

    everything = repr(sessions)
    for private in ("Jane Example", "John Sample", "Ann Person", "/therapists/"):
        assert private not in everything


def test_psyqa_answers_become_candidates():
    sessions, issues = read("psyqa", FIXTURES / "psyqa.json")

    assert issues == []
    (session,) = sessions
    assert session.source_id == "q-17"
    assert session.turns == [TurnRecord("client", "如何走出失恋？\n分手三个月了，还是每天想起他。")]
    assert [c.key for c in session.candidates] == ["answer-1", "answer-2"]
    assert session.candidates[0].metadata["labels_sequence"][0]["type"] == "Restatement"


def test_messages_json_list_keeps_system_turns_and_drops_empty_messages():
    sessions, issues = read("messages", FIXTURES / "messages.json")

    assert len(sessions) == 2
    assert speakers(sessions[0]) == ["system", "counselor", "client", "counselor"]
    assert [(i.location.record, i.field, i.message) for i in issues] == [
        (2, "messages", "the conversation is empty")
    ]


def test_messages_jsonl_with_id_and_topic():
    sessions, issues = read("messages", FIXTURES / "messages.jsonl")

    assert issues == []
    assert [(s.source_id, s.topic, s.location.line) for s in sessions] == [
        ("soul-1", "学业", 1),
        ("2", "家庭", 2),
    ]


def test_a_single_pretty_printed_object_is_one_record(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(
        '{\n  "messages": [\n    {"role": "user", "content": "Hello"}\n  ]\n}\n', encoding="utf-8"
    )

    sessions, issues = read("messages", path)

    assert issues == []
    assert sessions[0].turns == [TurnRecord("client", "Hello")]


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.jsonl"
    shutil.copy(FIXTURES / "messages.jsonl", path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    sessions, issues = read("messages", path)

    assert issues == []
    assert len(sessions) == 2


def test_a_byte_order_mark_before_a_json_list_is_ignored(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "cactus.json").read_bytes())

    sessions, issues = read("cactus", path)

    assert issues == []
    assert len(sessions) == 2


def test_a_large_json_list_streams_in_bounded_memory(tmp_path):
    import json
    import tracemalloc

    row = json.loads((FIXTURES / "cactus.json").read_text(encoding="utf-8"))[0]
    row["intake_form"] = row["intake_form"] * 20
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for number in range(6000):
            handle.write(("," if number else "") + json.dumps({**row, "id": number}) + "\n")
        handle.write("]\n")
    size = path.stat().st_size
    assert size > 12_000_000
    # Warm up first, so that one-time allocations (compiled patterns, catalogues) are not counted.
    read("cactus", FIXTURES / "cactus.json")

    tracemalloc.start()
    try:
        count = sum(1 for _ in importer_for("cactus").read(path=path, display_name="big.json"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 6000
    # One record and one read buffer at a time: far below the size of the file.
    assert peak < size / 8, (peak, size)


def test_cpsycound_keeps_the_paragraphs_of_a_turn(tmp_path):
    """A blank line inside a turn separates paragraphs; it used to become one line break."""
    path = tmp_path / "case.txt"
    path.write_text(
        "来访者：我最近压力很大。\n\n每天晚上都睡不着。\n\n心理咨询师：听起来很辛苦。\n\n\n"
        "我们一起看看。\n来访者：好的。\n\n",
        encoding="utf-8",
    )
    sessions, issues = read("cpsycound", path)

    assert issues == []
    assert [turn.text for turn in sessions[0].turns] == [
        "我最近压力很大。\n\n每天晚上都睡不着。",
        "听起来很辛苦。\n\n\n我们一起看看。",
        "好的。",
    ]


def test_mentalchat16k_csv_release_is_read_as_instruction_rows(tmp_path):
    """MentalChat16K is also released as a CSV with the columns instruction, input, output."""
    path = tmp_path / "mentalchat16k.csv"
    path.write_text(
        "instruction,input,output\n"
        '"You are a helpful mental health counselling assistant.","I feel anxious, all day.",'
        '"It sounds exhausting.\nWhat helps a little?"\n'
        ',"Nobody listens to me.","That sounds lonely."\n',
        encoding="utf-8",
    )
    assert format_detect(path=path) == "instruction"

    sessions, issues = read("instruction", path)

    assert issues == []
    assert [speakers(session) for session in sessions] == [
        ["system", "client", "counselor"],
        ["client", "counselor"],
    ]
    assert sessions[0].turns[1].text == "I feel anxious, all day."
    assert sessions[0].turns[2].text == "It sounds exhausting.\nWhat helps a little?"
    assert sessions[1].location.line == 4


def test_cactus_eval_splits_a_bold_client_marker_out_of_a_counselor_turn(tmp_path):
    """One CounselingEval record writes the client's reply as a Markdown ``**Client:**`` line
    inside the counselor's turn; the client's words must not be attributed to the counselor."""
    record = {
        "idx": 212,
        "AI_client": {
            "intake_form": "Name:\nOwen Lake\nAge:\n31",
            "attitude": "neutral",
            "dialogue_history_init": (
                "Counselor: Hi Owen, thank you for coming in. What would you like to talk about?\n"
                "**Client:** My manager frowned at my report, so I must be terrible at my job.\n"
                "Client: I have not slept well since."
            ),
            "dialogue_history": None,
        },
        "AI_counselor": {"CBT": {"dialogue_history_init": "咨询师：你好。\n**来访者：** 我很累。"}},
        "ground_truth_CBT": ["Evidence-Based Questioning"],
    }
    path = tmp_path / "counselingeval.json"
    path.write_text(json.dumps([record]), encoding="utf-8")

    sessions, issues = read("cactus_eval", path)

    assert issues == []
    assert sessions[0].turns == [
        TurnRecord("counselor", "你好。"),
        TurnRecord("client", "我很累。"),
    ]
    record["AI_counselor"] = {}
    path.write_text(json.dumps([record]), encoding="utf-8")
    sessions, issues = read("cactus_eval", path)
    assert issues == []
    assert sessions[0].turns == [
        TurnRecord(
            "counselor",
            "Hi Owen, thank you for coming in. What would you like to talk about?",
        ),
        TurnRecord("client", "My manager frowned at my report, so I must be terrible at my job."),
        TurnRecord("client", "I have not slept well since."),
    ]
