import pytest

from exports.splitting import GroupingBuilder, NearDuplicateSettings
from exports.splitting.normalize import text_key
from tests.exports.fixtures import filler_text, near_duplicate_families


def _builder() -> GroupingBuilder:
    return GroupingBuilder(near_duplicates=NearDuplicateSettings())


def _add(builder, item_id, text, **keys):
    builder.add(item_id=item_id, source="s", language="en", weight=1, text=text, **keys)


def test_each_family_of_near_duplicates_is_one_group_and_families_stay_apart():
    builder = _builder()
    families = near_duplicate_families()
    for family, (_, texts) in enumerate(families):
        for variant, text in enumerate(texts):
            _add(builder, f"f{family:02d}-v{variant}", text)
    for number in range(40):
        _add(builder, f"filler-{number:02d}", filler_text(number))

    grouping = builder.finish()

    group_of = dict(zip(grouping.item_ids, grouping.group_of_item.tolist(), strict=True))
    family_groups = set()
    for family, (_, texts) in enumerate(families):
        groups = {group_of[f"f{family:02d}-v{v}"] for v in range(len(texts))}
        assert len(groups) == 1, f"family {family} was split into {len(groups)} groups"
        family_groups |= groups
    assert len(family_groups) == len(families)
    assert grouping.group_count == len(families) + 40
    assert len(grouping.links["near_duplicate"]) >= len(families) * 4


def test_punctuation_whitespace_case_and_width_do_not_change_the_text_key():
    assert text_key("I feel SO tired, really.") == text_key("i feel so tired really!!")
    assert text_key("我很累，真的。") == text_key("我很累 真的!")
    assert text_key("ＡＢＣ１２３") == text_key("abc123")
    assert text_key("我很累") != text_key("我很忙")
    assert text_key("?!, ") is None


def test_shared_keys_join_items_transitively():
    builder = _builder()
    _add(builder, "a", filler_text(1), session_id="s1")
    _add(builder, "b", filler_text(2), session_id="s1", persona="Thought: I always fail.")
    _add(builder, "c", filler_text(3), persona="thought: i always fail")
    _add(builder, "d", filler_text(4), speech="Why me?")
    _add(builder, "e", filler_text(5), speech="why me")
    _add(builder, "f", filler_text(6))

    grouping = builder.finish()

    groups = grouping.group_of_item.tolist()
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] == groups[4]
    assert len({groups[0], groups[3], groups[5]}) == 3
    # Group ids are the smallest member id, whatever order items came in.
    assert grouping.group_ids == ["a", "d", "f"]
    assert {reason: len(p) for reason, p in grouping.links.items()} == {
        "session": 1,
        "speech": 1,
        "persona": 1,
        "near_duplicate": 0,
    }


def test_groups_do_not_depend_on_the_order_of_items():
    texts = [text for _, family in near_duplicate_families() for text in family]
    forward, backward = _builder(), _builder()
    for number, text in enumerate(texts):
        _add(forward, f"i{number:03d}", text)
    for number, text in reversed(list(enumerate(texts))):
        _add(backward, f"i{number:03d}", text)

    one, other = forward.finish(), backward.finish()

    def partition(grouping):
        return dict(
            zip(
                grouping.item_ids,
                (grouping.group_ids[g] for g in grouping.group_of_item),
                strict=True,
            )
        )

    assert partition(one) == partition(other)


def test_duplicate_item_id_is_refused():
    builder = _builder()
    _add(builder, "x", "one")

    with pytest.raises(ValueError, match="item 'x' appears twice"):
        _add(builder, "x", "two")


@pytest.mark.parametrize(
    ("field", "value"), [("bins", 100), ("bands", 7), ("threshold", 0.0), ("shingle_size", 0)]
)
def test_inconsistent_near_duplicate_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        NearDuplicateSettings(**{field: value})


def test_signatures_computed_in_the_background_come_back_in_the_order_of_the_texts():
    from exports.splitting.minhash import SignatureBuilder, _signatures

    settings = NearDuplicateSettings(batch_texts=3)
    texts = [filler_text(number) for number in range(20)]
    builder = SignatureBuilder(settings)
    for text in texts:
        builder.add(text)

    signatures = builder.finish()

    # Each text alone gives its own signature: row k must be text k's, whatever the batching.
    for number, text in enumerate(texts):
        assert (signatures[number] == _signatures([text], settings)[0]).all()
    assert len({row.tobytes() for row in signatures}) == len(texts)


def test_near_duplicate_pairs_agree_with_comparing_every_pair():
    """The bucket walk and the low-byte pre-test are shortcuts: the groups they give must be
    those of comparing every pair that shares a band, in full."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from exports.splitting.minhash import SignatureBuilder, near_duplicate_pairs

    settings = NearDuplicateSettings()
    texts = [text for _, family in near_duplicate_families() for text in family]
    texts += [filler_text(number) for number in range(60)]
    builder = SignatureBuilder(settings)
    for text in texts:
        builder.add(text)
    signatures = builder.finish()
    width = settings.bins // settings.bands
    needed = int(np.ceil(settings.threshold * settings.bins))
    expected = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            equal = signatures[i] == signatures[j]
            shares_band = equal.reshape(settings.bands, width).all(axis=1).any()
            if shares_band and equal.sum() >= needed:
                expected.append((i, j))

    found = near_duplicate_pairs(signatures=signatures, settings=settings)

    def groups(pairs):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        graph = coo_matrix(
            (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(texts), len(texts))
        )
        return connected_components(graph, directed=False)[1].tolist()

    assert {tuple(pair) for pair in found.tolist()} <= set(expected)
    assert groups(found) == groups(expected)
    assert len(expected) > len(near_duplicate_families())
