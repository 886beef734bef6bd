import unicodedata

from dialogues.normalize import content_hash, language_detect, text_normalize


def test_normalize_makes_equivalent_texts_identical() -> None:
    decomposed = unicodedata.normalize("NFD", "café  anxiety\r\nnext line\r\n\r\n\r\n\r\nlast ")
    assert text_normalize(decomposed) == "café anxiety\nnext line\n\nlast"
    assert text_normalize("\ufeff我\u3000很\u00a0难过\u200b。") == "我 很 难过。"
    assert text_normalize("  \t \n ") == ""


def test_language_is_chinese_when_ideographs_dominate_even_with_english_terms() -> None:
    assert language_detect(["我觉得CBT的作业对我有帮助，但是很难坚持。"]) == "zh"
    assert language_detect(["I tried the CBT homework, 但是 it was hard."]) == "en"
    assert language_detect(["I feel anxious about work."]) == "en"
    assert language_detect(["12345 ..."]) == "en"


def test_content_hash_depends_on_speaker_text_and_candidates() -> None:
    turns = [("client", "I feel low."), ("counselor", "Tell me more.")]
    assert content_hash(turns) == content_hash(list(turns))
    swapped = [("counselor", "I feel low."), ("client", "Tell me more.")]
    assert content_hash(turns) != content_hash(swapped)
    with_pair = content_hash(turns, [(1, "chosen", "A"), (1, "rejected", "B")])
    other_pair = content_hash(turns, [(1, "chosen", "C"), (1, "rejected", "B")])
    assert len({content_hash(turns), with_pair, other_pair}) == 3
