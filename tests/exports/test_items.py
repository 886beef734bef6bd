import pytest

from exports.items import (
    ExportKind,
    SftMode,
    Turn,
    item_check,
    item_examples,
)
from tests.exports.factories import DpoPairFactory, SftSessionFactory

TURNS = [
    Turn("counselor", "Hello, I'm glad you came."),
    Turn("client", "I can't sleep."),
    Turn("counselor", "How long has that been going on?"),
    Turn("client", "A month."),
    Turn("counselor", "What keeps you awake?"),
]


def test_whole_session_maps_speakers_to_chat_roles():
    session = SftSessionFactory(turns=TURNS, system_prompt="You are a CBT counselor.")

    [example] = item_examples(item=session, kind=ExportKind.SFT, sft_mode=SftMode.SESSION)

    roles = [m["role"] for m in example.data["messages"]]
    assert roles == ["system", "assistant", "user", "assistant", "user", "assistant"]
    assert example.data["messages"][0]["content"] == "You are a CBT counselor."
    assert example.data["messages"][2]["content"] == "I can't sleep."
    assert example.provenance["id"] == session.item_id


def test_turn_mode_gives_one_example_per_counselor_turn_that_answers_the_client():
    session = SftSessionFactory(turns=TURNS)

    examples = list(item_examples(item=session, kind=ExportKind.SFT, sft_mode=SftMode.TURN))

    # The opening counselor turn answers nothing, so it is no example of its own.
    assert [len(e.data["messages"]) for e in examples] == [3, 5]
    assert all(e.data["messages"][-1]["role"] == "assistant" for e in examples)
    assert examples[0].data["messages"][-1]["content"] == "How long has that been going on?"
    assert [e.provenance["turn_index"] for e in examples] == [2, 4]
    assert examples[1].provenance["id"] == f"{session.item_id}#t4"


def test_session_without_counselor_gives_no_example():
    session = SftSessionFactory(turns=[Turn("client", "Hello?")])

    for mode in SftMode:
        assert list(item_examples(item=session, kind=ExportKind.SFT, sft_mode=mode)) == []


def test_pair_has_trl_conversational_preference_columns():
    pair = DpoPairFactory(
        prompt=[
            Turn("client", "I failed again."),
            Turn("counselor", "Tell me."),
            Turn("client", "The exam."),
        ],
        chosen="That sounds painful.",
        rejected="Try harder.",
        system_prompt="Be warm.",
    )

    [example] = item_examples(item=pair, kind=ExportKind.DPO, sft_mode=SftMode.SESSION)

    assert list(example.data) == ["prompt", "chosen", "rejected"]
    assert [m["role"] for m in example.data["prompt"]] == ["system", "user", "assistant", "user"]
    assert example.data["chosen"] == [{"role": "assistant", "content": "That sounds painful."}]
    assert example.data["rejected"] == [{"role": "assistant", "content": "Try harder."}]
    assert example.provenance["scores"] == [
        {"name": "chosen.empathy", "value": 5.0},
        {"name": "rejected.empathy", "value": 2.0},
    ]


def test_pair_whose_prompt_ends_with_the_counselor_is_refused_by_name():
    pair = DpoPairFactory(item_id="pair-bad", prompt=[Turn("counselor", "Hi.")])

    with pytest.raises(ValueError, match=r"pair-bad: prompt: .*end with a client turn"):
        item_check(item=pair)


def test_unknown_speaker_is_refused_with_item_and_turn():
    session = SftSessionFactory(item_id="s-9", turns=[Turn("client", "a"), Turn("coach", "b")])

    with pytest.raises(ValueError, match=r"s-9: turn 2 has unknown speaker 'coach'"):
        item_check(item=session)


@pytest.mark.parametrize("field", ["chosen", "rejected"])
def test_pair_with_an_empty_reply_is_refused_by_field(field):
    pair = DpoPairFactory(item_id="pair-7", **{field: "  "})

    with pytest.raises(ValueError, match=f"pair-7: {field}: the reply is empty"):
        item_check(item=pair)
