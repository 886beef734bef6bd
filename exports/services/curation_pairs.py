"""DPO pairs: from pair items (the clinicians' verdict first, then imported preferences and
score margins) and from reviewers' rewrites of a session's turns."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from dialogues.models import Candidate, SourcePreference, SourceRating
from exports.items import DpoPair
from exports.models import DpoSource, TiePolicy
from exports.services.curation_items import Curating
from exports.services.curation_reading import (
    CHUNK,
    Chunk,
    _among,
    _read_ahead,
    approved_items,
    chunks,
    read_chunk,
)
from exports.services.curation_rules import CurationRules, CurationStats
from review.models import (
    Adjudication,
    Choice,
    Item,
    PairwiseJudgment,
    ReviewSettings,
    Rewrite,
)
from review.selectors.item_outcome import latest_adjudications

VETO = "veto"


def pair_verdict(*, votes: Sequence[str], adjudicated: str, tie_policy: str) -> str | None:
    """What a pair's clinicians decided: "a" or "b", VETO, or None when no vote counted.

    A lead's adjudication is final: a or b wins, a tie or "both unacceptable" vetoes the pair.
    Otherwise the reviewers' votes: "both bad" always counts, "tie" is set aside under the skip
    policy and counts under drop. A strict majority for a or b wins; anything else (a majority
    for tie or both bad, or an even split) vetoes, so no other source may overrule the
    clinicians. None means nobody's vote counted, and only then may imported preferences or
    score margins decide.
    """
    if adjudicated:
        return adjudicated if adjudicated in (Choice.A, Choice.B) else VETO
    counted = [v for v in votes if v != Choice.TIE] if tie_policy == TiePolicy.SKIP else votes
    counts = Counter(counted)
    if not counts:
        return None
    (top, top_count), *rest = counts.most_common()
    if rest and rest[0][1] == top_count:
        return VETO
    if top_count * 2 <= len(counted):
        return VETO
    return top if top in (Choice.A, Choice.B) else VETO


def pair_choice(*, votes: Sequence[str], adjudicated: str, tie_policy: str) -> str | None:
    """The candidate ("a" or "b") a pair's clinicians preferred, or None when there is none."""
    verdict = pair_verdict(votes=votes, adjudicated=adjudicated, tie_policy=tie_policy)
    return verdict if verdict in (Choice.A, Choice.B) else None


def _pair_extras(chunk_ids: Sequence[int], chunk: Chunk) -> dict[str, Any]:
    votes: dict[int, list[str]] = defaultdict(list)
    voters: dict[int, list[int]] = defaultdict(list)
    for item_id, reviewer_id, choice in (
        _among(
            PairwiseJudgment.objects.filter(status=PairwiseJudgment.Status.SUBMITTED),
            "item_id",
            chunk_ids,
        )
        .order_by("item_id", "pk")
        .values_list("item_id", "reviewer_id", "choice")
    ):
        votes[item_id].append(choice)
        voters[item_id].append(reviewer_id)
    adjudicated = {
        item_id: adjudication.choice
        for item_id, adjudication in latest_adjudications(
            adjudications=_among(Adjudication.objects.all(), "item_id", chunk_ids)
        ).items()
    }
    candidate_ids = {
        row[key] for row in chunk.items.values() for key in ("candidate_a_id", "candidate_b_id")
    }
    texts = dict(_among(Candidate.objects.all(), "id", candidate_ids).values_list("pk", "text"))
    # Through _among like every other chunk query: an IN list of a chunk's 4,000 candidates
    # cost more in Django's and the driver's handling of placeholders than in the database.
    among_chosen = _among(SourcePreference.objects.all(), "chosen_id", candidate_ids)
    preferences = {
        (chosen, rejected)
        for chosen, rejected in _among(among_chosen, "rejected_id", candidate_ids).values_list(
            "chosen_id", "rejected_id"
        )
    }
    ratings: dict[int, list[float]] = defaultdict(list)
    for candidate_id, score in _among(
        SourceRating.objects.all(), "candidate_id", candidate_ids
    ).values_list("candidate_id", "score"):
        ratings[candidate_id].append(score)
    return {
        "votes": votes,
        "voters": voters,
        "adjudicated": adjudicated,
        "texts": texts,
        "preferences": preferences,
        "ratings": {k: sum(v) / len(v) for k, v in ratings.items()},
    }


def _read_pair_chunk(chunk_ids: Sequence[int]) -> tuple[Chunk, dict[str, Any]]:
    chunk = read_chunk(chunk_ids)
    return chunk, _pair_extras(chunk_ids, chunk)


def _pair_winner(
    *, rules: CurationRules, item_id: int, row: dict[str, Any], extras: dict[str, Any]
) -> tuple[str, str] | None:
    """(winner, which source decided) for a pair item, or None.

    The clinicians' verdict comes first and a veto (adjudicated or by majority) is final.
    Imported preferences and score margins fill in only where no reviewer's vote counted
    (the item is approved, so it has been reviewed either way), or, for an imported
    preference, where it agrees with the reviewers' choice.
    """
    a, b = row["candidate_a_id"], row["candidate_b_id"]
    votes = extras["votes"].get(item_id, [])
    adjudicated = extras["adjudicated"].get(item_id, "")
    verdict = pair_verdict(votes=votes, adjudicated=adjudicated, tie_policy=rules.tie_policy)
    if verdict == VETO:
        return None
    if DpoSource.PAIRWISE in rules.dpo_sources and verdict:
        return verdict, DpoSource.PAIRWISE
    if DpoSource.IMPORTED in rules.dpo_sources:
        for winner, chosen, rejected in (("a", a, b), ("b", b, a)):
            if (chosen, rejected) in extras["preferences"] and verdict in (None, winner):
                return winner, DpoSource.IMPORTED
    if DpoSource.MARGINS in rules.dpo_sources and verdict is None:
        score_a, score_b = extras["ratings"].get(a), extras["ratings"].get(b)
        if score_a is not None and score_b is not None:
            margin = Decimal(str(score_a)) - Decimal(str(score_b))
            # "Above" the threshold: a margin equal to it is not enough.
            if abs(margin) > rules.margin_threshold:
                return ("a" if margin > 0 else "b"), DpoSource.MARGINS
    return None


def _pairs_from_pair_items(run: Curating) -> Iterator[DpoPair]:
    rules, stats = run.rules, run.stats
    wanted = {DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS}
    if not wanted & set(rules.dpo_sources):
        return
    items = approved_items(rules=rules, kind=Item.Kind.PAIR, stats=stats)
    # Pairs are judged against the project's principles for pairs, when it has them.
    pair_rubrics = dict(
        ReviewSettings.objects.filter(project_id__in=rules.project_ids).values_list(
            "project_id", "pair_rubric_id"
        )
    )
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids, (chunk, extras) in _read_ahead(chunks(ids, CHUNK), _read_pair_chunk):
        for item_id in chunk_ids:
            row = chunk.items[item_id]
            decided = _pair_winner(rules=rules, item_id=item_id, row=row, extras=extras)
            if decided is None:
                stats.leave_out("no clear preference", f"pair item {item_id}")
                continue
            winner, source = decided
            chosen, rejected = (
                (row["candidate_a_id"], row["candidate_b_id"])
                if winner == "a"
                else (row["candidate_b_id"], row["candidate_a_id"])
            )
            votes = extras["votes"].get(item_id, [])
            agreement = (sum(v == winner for v in votes) / len(votes)) if votes else None
            base = run.fields(
                chunk,
                item_id,
                export_id=f"pair-{item_id}",
                reviewers=extras["voters"].get(item_id, []),
                agreement=agreement,
                rubric_id=pair_rubrics.get(row["project_id"]),
            )
            turns = chunk.turns[row["session_id"]][: row["turn_index"]]
            pair = DpoPair(
                prompt=turns,
                chosen=extras["texts"].get(chosen, ""),
                rejected=extras["texts"].get(rejected, ""),
                **base,
            )
            if run.kept(pair, source=source):
                yield pair


def _pairs_from_rewrites(run: Curating) -> Iterator[DpoPair]:
    rules, stats = run.rules, run.stats
    if DpoSource.REWRITES not in rules.dpo_sources:
        return
    items = approved_items(rules=rules, kind=Item.Kind.SESSION, stats=stats)
    items = items.filter(Exists(Rewrite.objects.filter(item_id=OuterRef("pk"))))
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids in chunks(ids):
        chunk = read_chunk(chunk_ids)
        rewrites = list(
            _among(Rewrite.objects.all(), "item_id", chunk_ids)
            .order_by("item_id", "turn_index", "pk")
            .values_list(
                "pk", "item_id", "reviewer_id", "turn_index", "original__text", "rewrite__text"
            )
        )
        passed: dict[int, bool] = {}
        for pk, item_id, reviewer_id, turn_index, original, better in rewrites:
            if item_id not in passed:
                passed[item_id] = run.scores_pass(chunk, item_id)
            if not passed[item_id]:
                continue
            base = run.fields(chunk, item_id, export_id=f"rewrite-{pk}", reviewers=[reviewer_id])
            turns = chunk.turns[chunk.items[item_id]["session_id"]][:turn_index]
            pair = DpoPair(prompt=turns, chosen=better, rejected=original, **base)
            if run.kept(pair, source=DpoSource.REWRITES):
                yield pair


def dpo_items(*, rules: CurationRules, stats: CurationStats, salt: str) -> Iterator[DpoPair]:
    run = Curating(rules=rules, stats=stats, salt=salt)
    yield from _pairs_from_pair_items(run)
    yield from _pairs_from_rewrites(run)
