import pytest

from exports.splitting import (
    SPLITS,
    GroupingBuilder,
    NearDuplicateSettings,
    SplitRatios,
    split_report_build,
    splits_assign,
)
from tests.exports.fixtures import filler_text, near_duplicate_families


def _grouping(*, fillers=300, sources=("cactus", "smilechat")):
    """The near-duplicate families plus unrelated fillers, over two sources and languages."""
    builder = GroupingBuilder(near_duplicates=NearDuplicateSettings())
    families = {}
    for family, (language, texts) in enumerate(near_duplicate_families()):
        ids = [f"f{family:02d}-v{v}" for v in range(len(texts))]
        families[family] = ids
        for item_id, text in zip(ids, texts, strict=True):
            builder.add(
                item_id=item_id, source=sources[family % 2], language=language, weight=1, text=text
            )
    for number in range(fillers):
        language = "zh" if number % 2 else "en"
        builder.add(
            item_id=f"x{number:04d}",
            source=sources[number % 3 % 2],
            language=language,
            weight=1 + number % 3,
            text=filler_text(number),
        )
    return builder.finish(), families


def _split_of(grouping, assignment):
    splits = assignment.split_of_items(grouping).tolist()
    return {item_id: SPLITS[s] for item_id, s in zip(grouping.item_ids, splits, strict=True)}


def test_no_family_of_near_duplicates_crosses_splits():
    grouping, families = _grouping()

    for seed in range(5):
        split_of = _split_of(
            grouping, splits_assign(grouping=grouping, ratios=SplitRatios(), seed=seed)
        )
        for family, ids in families.items():
            assert len({split_of[i] for i in ids}) == 1, f"family {family} straddles splits"
        assert set(split_of.values()) == set(SPLITS)


def test_splits_come_close_to_their_ratios_in_every_stratum():
    grouping, _ = _grouping(fillers=1200)
    ratios = SplitRatios(train=0.7, validation=0.15, test=0.15)

    report = split_report_build(
        grouping=grouping,
        assignment=splits_assign(grouping=grouping, ratios=ratios, seed=3),
        ratios=ratios,
    )

    for name in SPLITS:
        assert abs(report["splits"][name]["deviation"]) < 0.01
    for stratum in report["strata"]:
        rows = sum(stratum[name] for name in SPLITS)
        assert abs(stratum["validation"] / rows - 0.15) < 0.03, stratum


def test_same_seed_same_assignment_and_another_seed_another():
    grouping, _ = _grouping()

    first = splits_assign(grouping=grouping, ratios=SplitRatios(), seed=11)
    again = splits_assign(grouping=grouping, ratios=SplitRatios(), seed=11)
    other = splits_assign(grouping=grouping, ratios=SplitRatios(), seed=12)

    assert first.split_of_group.tolist() == again.split_of_group.tolist()
    assert first.split_of_group.tolist() != other.split_of_group.tolist()


def test_a_zero_ratio_split_gets_nothing():
    grouping, _ = _grouping()
    ratios = SplitRatios(train=0.9, validation=0.0, test=0.1)

    report = split_report_build(
        grouping=grouping,
        assignment=splits_assign(grouping=grouping, ratios=ratios, seed=1),
        ratios=ratios,
    )

    assert report["splits"]["validation"]["rows"] == 0
    assert report["splits"]["test"]["rows"] > 0


def test_report_counts_groups_links_and_largest_groups():
    grouping, families = _grouping(fillers=30)
    assignment = splits_assign(grouping=grouping, ratios=SplitRatios(), seed=5)

    report = split_report_build(grouping=grouping, assignment=assignment, ratios=SplitRatios())

    assert report["items"] == len(families) * 5 + 30
    assert report["groups"] == len(families) + 30
    assert report["groups_of_several_items"] == len(families)
    assert sum(report["splits"][n]["groups"] for n in SPLITS) == report["groups"]
    assert sum(report["splits"][n]["rows"] for n in SPLITS) == report["rows"]
    assert report["links"]["near_duplicate"] >= len(families) * 4
    largest = report["largest_groups"]
    assert len(largest) == 10
    assert largest[0]["items"] == 5
    assert largest[0]["linked_by"] == ["near_duplicate"]
    assert {(s["source"], s["language"]) for s in report["strata"]} == {
        ("cactus", "en"),
        ("cactus", "zh"),
        ("smilechat", "en"),
        ("smilechat", "zh"),
    }


@pytest.mark.parametrize(
    ("train", "validation", "test"), [(0.5, 0.2, 0.2), (0.0, 0.5, 0.5), (1.2, -0.1, -0.1)]
)
def test_ratios_that_do_not_make_sense_are_refused(train, validation, test):
    with pytest.raises(ValueError, match="ratio"):
        SplitRatios(train=train, validation=validation, test=test)
