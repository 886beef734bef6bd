"""What the triage queue order buys: random order against triage order for a fixed review budget.

The simulation starts from a fully human-reviewed set, so every item's right answer is known.
A simulated judge answers each item several times (``--samples``) with noise, and for pairs in
both orders with a pull toward the response it reads first; its signals and the triage bands
come from the same functions the application uses (``review.judges.signals``,
``review.selectors.triage.triage_place`` and ``in_control_slice``). Humans then review
``--budget`` items, in random order or in triage order, and three things are compared:

- judge errors caught: items whose judge verdict is wrong and that a human reviewed;
- export error rate: the export holds every human-reviewed item (right by definition) and
  every other item the judge gave a verdict on (judge-accepted); the share of it that is wrong;
- reviews to estimate alpha: how many reviews it takes before the estimate of the judge's
  agreement with humans (Krippendorff's alpha, nominal) stays within ``--tolerance`` of the
  true value. In random order every reviewed item is a fair sample; in triage order only the
  control slice is, so only its items count. The estimate triage would give from every
  reviewed item (biased: those are where the judge was unsure) is shown beside it.

Two sets: the demo's material (review/demo/sessions.yaml: a careful and a rushed session
per concern, and its response pairs), whose human verdicts are the demo's, and a generated set
with a known mix of easy items, hard items (the judge is unsure and often wrong) and items the
judge gets confidently wrong. The demo has no judge answers of its own, so its judge is the same
simulated one; the demo contributes its items and their human verdicts.

Intervals are bootstrap percentiles over ``--replicates`` replicates: each resamples the items
with replacement and draws new judge noise, a new random order and a new control slice.

    .venv/bin/python bench/triage.py [--budget-share 0.2] [--samples 5] [--replicates 200]

It prints CPU seconds and the load average with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OTHER = {"pass": "fail", "fail": "pass", "a": "b", "b": "a"}


@dataclass(frozen=True)
class SimItem:
    """One human-reviewed item. ``margin`` is how plainly the item shows its right answer to
    the judge, on the 0..1 score scale: large is easy, near 0 is hard, negative means the judge
    is pulled the wrong way (it will be confidently wrong)."""

    kind: str  # "session" or "pair"
    truth: str  # "pass" / "fail", or the better response of a pair, "a" / "b"
    margin: float


@dataclass(frozen=True)
class Judge:
    samples: int = 5
    noise: float = 0.08
    # A pair's pull toward the response read first, on the same scale as the margin.
    position_bias: float = 0.08
    unparsable: float = 0.02


def judge_signal(item: SimItem, judge: Judge, rng: random.Random) -> Any:
    """The simulated judge's answers to one item, read as the application reads them."""
    from review.judges.signals import ScoreSample, pair_signal, score_signal

    unparsable = 0
    if item.kind == "session":
        samples = []
        for _ in range(judge.samples):
            if rng.random() < judge.unparsable:
                unparsable += 1
                continue
            toward = 1 if item.truth == "pass" else -1
            score = min(1.0, max(0.0, 0.5 + toward * item.margin + rng.gauss(0, judge.noise)))
            samples.append(ScoreSample(score=score, passed=score >= 0.5))
        return score_signal(samples=samples, n_unparsable=unparsable, n_failed=0)
    orders: dict[str, list[str]] = {"ab": [], "ba": []}
    for order, choices in orders.items():
        # Which of the item's responses the judge reads first in this order.
        first = "a" if order == "ab" else "b"
        pull = judge.position_bias if first == item.truth else -judge.position_bias
        for _ in range(judge.samples):
            if rng.random() < judge.unparsable:
                unparsable += 1
                continue
            evidence = item.margin + pull + rng.gauss(0, judge.noise)
            choices.append(item.truth if evidence > 0 else OTHER[item.truth])
    return pair_signal(
        forward=orders["ab"], reverse=orders["ba"], n_unparsable=unparsable, n_failed=0
    )


def nominal_alpha(pairs: Counter[tuple[str, str]]) -> float | None:
    """Krippendorff's alpha for two raters, nominal values, from (judge, human) counts."""
    coincidence: Counter[tuple[str, str]] = Counter()
    for (left, right), count in pairs.items():
        coincidence[(left, right)] += count
        coincidence[(right, left)] += count
    totals: Counter[str] = Counter()
    for (value, _other), count in coincidence.items():
        totals[value] += count
    n = sum(totals.values())
    if n < 4:
        return None
    observed = sum(count for (c, k), count in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


@dataclass(frozen=True)
class Outcome:
    caught: int
    errors: int
    export_error_rate: float
    reviews_to_alpha: int | None
    biased_alpha: float | None
    true_alpha: float | None


def _reviews_to_alpha(
    order: Sequence[int],
    counts: Callable[[int], bool],
    verdicts: Sequence[str],
    truths: Sequence[str],
    true_alpha: float | None,
    tolerance: float,
) -> int | None:
    """Reviews until the running estimate stays within tolerance of the true alpha."""
    if true_alpha is None:
        return None
    pairs: Counter[tuple[str, str]] = Counter()
    settled: int | None = None
    for reviews, index in enumerate(order, start=1):
        if verdicts[index] and counts(index):
            pairs[(verdicts[index], truths[index])] += 1
        estimate = nominal_alpha(pairs)
        close = estimate is not None and abs(estimate - true_alpha) <= tolerance
        if close and settled is None:
            settled = reviews
        elif not close:
            settled = None
    return settled


def simulate(
    items: Sequence[SimItem],
    *,
    judge: Judge,
    budget: int,
    control_share: float,
    seed: int,
    tolerance: float = 0.1,
) -> dict[str, Outcome]:
    """One replicate: the same judge answers, reviewed in random order and in triage order."""
    from review.selectors.triage import in_control_slice, triage_place

    rng = random.Random(seed)
    signals = [judge_signal(item, judge, rng) for item in items]
    verdicts = [s.verdict for s in signals]
    truths = [item.truth for item in items]
    wrong = [bool(v) and v != t for v, t in zip(verdicts, truths, strict=True)]
    control = [
        in_control_slice(project_id=seed, item_id=index, share=control_share)
        for index in range(len(items))
    ]
    places = [
        triage_place(signals=[signal], control=drawn)
        for signal, drawn in zip(signals, control, strict=True)
    ]
    population: Counter[tuple[str, str]] = Counter(
        (v, t) for v, t in zip(verdicts, truths, strict=True) if v
    )
    true_alpha = nominal_alpha(population)
    random_order = list(range(len(items)))
    rng.shuffle(random_order)
    triage_order = sorted(range(len(items)), key=lambda i: (places[i].band, -places[i].priority, i))
    outcomes = {}
    for name, order, counts in (
        ("random", random_order, lambda _index: True),
        ("triage", triage_order, lambda index: control[index]),
    ):
        reviewed = set(order[:budget])
        exported = [i for i in range(len(items)) if i in reviewed or verdicts[i]]
        export_wrong = sum(wrong[i] for i in exported if i not in reviewed)
        seen: Counter[tuple[str, str]] = Counter(
            (verdicts[i], truths[i]) for i in reviewed if verdicts[i]
        )
        outcomes[name] = Outcome(
            caught=sum(wrong[i] for i in reviewed),
            errors=sum(wrong),
            export_error_rate=export_wrong / len(exported) if exported else 0.0,
            reviews_to_alpha=_reviews_to_alpha(
                order, counts, verdicts, truths, true_alpha, tolerance
            ),
            biased_alpha=nominal_alpha(seen),
            true_alpha=true_alpha,
        )
    return outcomes


def generated_set(
    *, size: int, hard: float, confidently_wrong: float, rng: random.Random
) -> list[SimItem]:
    """Sessions and pairs, half each: easy, hard (margin near 0) and confidently wrong ones."""
    items = []
    for index in range(size):
        kind = "session" if index % 2 == 0 else "pair"
        truth = rng.choice(["pass", "fail"] if kind == "session" else ["a", "b"])
        draw = rng.random()
        if draw < confidently_wrong:
            margin = -rng.uniform(0.2, 0.35)
        elif draw < confidently_wrong + hard:
            margin = rng.uniform(-0.03, 0.05)
        else:
            margin = rng.uniform(0.15, 0.35)
        items.append(SimItem(kind, truth, margin))
    return items


def demo_set() -> list[SimItem]:
    """The demo's items with the demo reviewers' verdicts; margins say how plain each case is."""
    import yaml

    data = yaml.safe_load((ROOT / "review/demo/sessions.yaml").read_text(encoding="utf-8"))
    items = []
    for language in ("en", "zh-hans"):
        for _concern in data[language]:
            # A careful counselor passes, a rushed one fails: both plain to see.
            items += [SimItem("session", "pass", 0.2), SimItem("session", "fail", 0.2)]
            # Warm over dismissive is plain; warm over neutral is a fine call; neutral over
            # dismissive in between. English contexts make one pair, Chinese ones three.
            items.append(SimItem("pair", "a", 0.3))
            if language != "en":
                items += [SimItem("pair", "a", 0.03), SimItem("pair", "a", 0.12)]
    return items


def _interval(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    low = ordered[int(0.025 * (len(ordered) - 1))]
    high = ordered[int(0.975 * (len(ordered) - 1))]
    return f"{statistics.fmean(ordered):.3f} [{low:.3f}, {high:.3f}]"


def compare(
    items: Sequence[SimItem],
    *,
    judge: Judge,
    budget: int,
    control_share: float,
    replicates: int,
    seed: int,
) -> dict[str, dict[str, list[float]]]:
    """Bootstrap replicates of both orders; every metric's values per order and their gap."""
    rng = random.Random(seed)
    table: dict[str, dict[str, list[float]]] = {}

    def add(metric: str, column: str, value: float | None) -> None:
        if value is not None:
            table.setdefault(metric, {}).setdefault(column, []).append(value)

    for replicate in range(replicates):
        sample = [items[rng.randrange(len(items))] for _ in items]
        outcome = simulate(
            sample,
            judge=judge,
            budget=budget,
            control_share=control_share,
            seed=seed * 1000 + replicate,
        )
        rand, tri = outcome["random"], outcome["triage"]
        add("judge errors in the set", "random", rand.errors)
        add("errors caught", "random", rand.caught)
        add("errors caught", "triage", tri.caught)
        add("errors caught", "triage - random", tri.caught - rand.caught)
        add("export error rate", "random", rand.export_error_rate)
        add("export error rate", "triage", tri.export_error_rate)
        add(
            "export error rate",
            "triage - random",
            tri.export_error_rate - rand.export_error_rate,
        )
        add("reviews to estimate alpha", "random", rand.reviews_to_alpha)
        add("reviews to estimate alpha", "triage", tri.reviews_to_alpha)
        add("true alpha (judge vs humans)", "random", rand.true_alpha)
        add("alpha from reviewed items", "random", rand.biased_alpha)
        add("alpha from reviewed items", "triage", tri.biased_alpha)
    table["reviews to estimate alpha"]["never within tolerance (replicates)"] = [
        float(replicates - len(table["reviews to estimate alpha"].get(name, [])))
        for name in ("random", "triage")
    ]
    return table


def report(title: str, table: dict[str, dict[str, list[float]]]) -> None:
    print(f"\n{title}")
    for metric, columns in table.items():
        for column, values in columns.items():
            if column.startswith("never"):
                print(
                    f"  {metric:32} never within tolerance: random {values[0]:.0f}, "
                    f"triage {values[1]:.0f} replicates"
                )
                continue
            print(f"  {metric:32} {column:16} {_interval(values)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="items in the generated set")
    parser.add_argument("--hard", type=float, default=0.15)
    parser.add_argument("--confidently-wrong", type=float, default=0.05)
    parser.add_argument("--budget-share", type=float, default=0.2)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--control-share", type=float, default=0.1)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    judge = Judge(samples=args.samples)
    start = resource.getrusage(resource.RUSAGE_SELF)
    sets = {
        "generated": generated_set(
            size=args.size,
            hard=args.hard,
            confidently_wrong=args.confidently_wrong,
            rng=random.Random(args.seed),
        ),
        "demo": demo_set(),
    }
    print(
        f"samples {args.samples}, control slice {args.control_share}, budget "
        f"{args.budget_share:.0%} of each set, {args.replicates} bootstrap replicates; "
        "mean [95% interval]"
    )
    for name, items in sets.items():
        budget = max(1, round(args.budget_share * len(items)))
        table = compare(
            items,
            judge=judge,
            budget=budget,
            control_share=args.control_share,
            replicates=args.replicates,
            seed=args.seed,
        )
        report(f"{name} set: {len(items)} items, {budget} human reviews", table)
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    load = os.getloadavg()
    print(f"\nCPU {cpu:.1f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
