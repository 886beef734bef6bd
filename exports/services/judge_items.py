"""Judge-accepted items: what a specification may take from a judge, without a human review.

Triage spends clinicians' reviews where the judges are unsure; the items a judge is sure about
can then go into an export on the judge's word, when the lead's specification names that judge.
An item is accepted from the judge only when all of these hold:

- it belongs to the judge's project, is not a gold item and no human reviewed it (no submitted
  review or pairwise judgment, no adjudication, not reviewed, approved or rejected): an item a
  human reviewed always takes the human outcome, through the ordinary curation;
- its session has no crisis flag, open or cleared (crisis-flagged items go to humans), no open
  PII flag and no crisis or PII flag a reviewer raised on any item of the session;
- it is not in the project's triage control slice (those must reach humans, or the judge's
  error could not be estimated);
- the judge's latest run has a signal for it, every answer of which could be read (none
  unparsable, refused or failed), with an uncertainty at most the specification's maximum (0
  unless the lead chose more), and no other judge of the project disagrees;
- the judge's verdict passes: for a session, "pass" on the rubric's cut-off (a rubric without
  one needs a score rule in the specification instead) and the specification's score rules met
  by the judge's scores; for a pair, the choice both orders agree on, A or B (no position flip,
  no tie, no "both bad");
- its answers were given by the judge's configuration as it stands (so the manifest's model and
  prompt version are the ones that answered).

Every other rule of the specification (languages, sources) applies as to human items; a
minimum number of reviewers does not, since these items have none by definition.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from dialogues.models import Candidate, Flag
from exports.items import DpoPair, ExportItem, SftSession
from exports.models import DpoSource, ExportSpecification
from exports.services.agreement import ExportRefused
from exports.services.curation_items import Curating, RubricCache, number_text
from exports.services.curation_reading import (
    CHUNK,
    chunks,
    considered_items,
    read_chunk,
    sessions_flagged_by_reviewers,
)
from exports.services.curation_rules import (
    REVIEWER_FLAG_REASON,
    CurationRules,
    CurationStats,
    pseudonym_salt,
)
from exports.spec import JudgeSource
from review.judges import JudgeConfigError
from review.judges.prompts import PromptTemplateError, template_load
from review.judges.signals import UNSURE_FROM
from review.models import (
    Adjudication,
    Item,
    JudgeConfig,
    JudgeRun,
    PairwiseJudgment,
    Review,
    ReviewSettings,
)
from review.selectors.access import review_settings_for
from review.selectors.judge_accepted import JudgeItemView, judge_item_views, judge_latest_run
from review.selectors.triage import in_control_slice
from rubrics.scoring import ScoreError, rubric_score

T = TypeVar("T")

HUMAN = "human"
JUDGE = "judge"

# Why an item the judge answered was not taken from it (the version page lists these).
REVIEWED = "judge: reviewed by a human (the human outcome counts)"
CRISIS = "judge: crisis flag (crisis-flagged items go to humans)"
CONTROL = "judge: in the triage control slice (it must reach humans)"
NOT_JUDGED = "judge: no signal in the judge's latest run"
UNREADABLE = "judge: an answer could not be read, was refused or failed"
DISAGREE = "judge: judges disagree"
UNSURE = "judge: uncertainty above the maximum"
VERDICT_FAILS = "judge: the judge's verdict does not pass"
NO_CHOICE = "judge: no choice both orders agree on"
STALE = "judge: answered by an earlier configuration of the judge (run it again)"
OPEN_FLAG = "open crisis or PII flag"

NEVER = (
    "reviewed by a human",
    "crisis flag, open or cleared",
    "open PII flag or a flag raised by a reviewer",
    "triage control slice",
    "unparsable, refused or failed answer",
    "judges disagree",
)


def _judge_of(specification: ExportSpecification) -> JudgeConfig:
    config = specification.judge
    if config is None:
        raise ValueError("the specification names no judge")
    return config


def judge_rules_dict(*, specification: ExportSpecification) -> dict[str, Any]:
    """The option as the manifest's curation records it; empty when it is off (so exports
    without judge items keep their manifest as it was)."""
    if specification.judge_id is None:
        return {}
    config = _judge_of(specification)
    return {
        "judge_items": {
            "judge": config.pk,
            "name": config.name,
            "project": config.project.slug,
            "max_uncertainty": number_text(specification.judge_max_uncertainty),
            "verdict": "pass" if specification.kind == "sft" else "choice both orders agree on",
            "never": list(NEVER),
        }
    }


def judge_rules_problem(
    *,
    judge: JudgeConfig | None,
    project_ids: Any,
    kind: str,
    dpo_sources: Any,
    max_uncertainty: Decimal | None,
) -> dict[str, str]:
    """Why this choice of judge cannot be applied, by field (empty when it can)."""
    problems: dict[str, str] = {}
    if judge is None:
        return problems
    if judge.project_id not in set(project_ids):
        problems["judge"] = _(
            "The judge %(name)s belongs to project %(project)s, which this export does not draw on."
        ) % {"name": judge.name, "project": judge.project.slug}
    elif kind == "dpo" and DpoSource.PAIRWISE not in set(dpo_sources or ()):
        problems["judge"] = _(
            "A judge's pair choices stand in for reviewers' pairwise choices: take pairs from "
            "reviewers' pairwise choices too, or drop the judge."
        )
    if max_uncertainty is not None and not 0 <= max_uncertainty < Decimal(str(UNSURE_FROM)):
        problems["judge_max_uncertainty"] = _(
            "The judge's maximum uncertainty must be from 0 to below %(limit)s: items from "
            "there up go to humans."
        ) % {"limit": UNSURE_FROM}
    return problems


def judge_configs_for_specification(*, led: Any) -> Any:
    """The judges a lead may choose: those of the projects they lead."""
    if led is None:
        return JudgeConfig.objects.none()
    return JudgeConfig.objects.filter(project__in=led).select_related("project")


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _settings_fingerprint(config: JudgeConfig) -> str:
    try:
        return config.settings().fingerprint()
    except JudgeConfigError as error:
        raise ExportRefused(
            _("The judge %(name)s cannot be used: %(error)s")
            % {"name": config.name, "error": error}
        ) from error


def judge_source_for(
    *, specification: ExportSpecification, rules: CurationRules
) -> JudgeSource | None:
    """What the manifest and card say about the judge; None when the option is off."""
    if specification.judge_id is None:
        return None
    config = _judge_of(specification)
    problems = judge_rules_problem(
        judge=config,
        project_ids=rules.project_ids,
        kind=rules.kind,
        dpo_sources=rules.dpo_sources,
        max_uncertainty=specification.judge_max_uncertainty,
    )
    if problems:
        raise ExportRefused(" ".join(problems.values()))
    run = judge_latest_run(config=config)
    try:
        kind = "score" if rules.kind == "sft" else "pairwise"
        template = template_load(
            kind=kind,
            version=config.prompt_version,
            language=config.language,
        )
        prompt_hash = template.template_hash
    except PromptTemplateError:
        prompt_hash = ""
    runs = []
    if run is not None:
        runs.append(
            {
                "id": run.pk,
                "status": run.status,
                "created_at": _when(run.created_at),
                "finished_at": _when(run.finished_at),
                "rubric": str(run.rubric) if run.rubric else None,
                "examples": [f"item-{item_id}" for item_id in run.examples or ()],
            }
        )
    return JudgeSource(
        configuration={
            "id": config.pk,
            "name": config.name,
            "model": config.model,
            "project": config.project.slug,
        },
        prompt_version=config.prompt_version,
        prompt_language=config.language,
        prompt_hash=prompt_hash,
        settings_fingerprint=_settings_fingerprint(config),
        runs=runs,
        max_uncertainty=number_text(specification.judge_max_uncertainty),
    )


def human_labelled(items: Iterator[ExportItem]) -> Iterator[ExportItem]:
    """The ordinary curation's items, marked as labelled by humans."""
    for item in items:
        yield dataclasses.replace(item, label_source=HUMAN)


def _candidates(*, config: JudgeConfig, rules: CurationRules) -> Any:
    kind = Item.Kind.SESSION if rules.kind == "sft" else Item.Kind.PAIR
    return Item.objects.filter(project_id=config.project_id, kind=kind, is_gold=False).exclude(
        status=Item.Status.APPROVED
    )


def judge_candidates(*, specification: ExportSpecification, rules: CurationRules) -> int:
    """How many items the judge path looks at (for the progress bar)."""
    if specification.judge_id is None:
        return 0
    return _candidates(config=_judge_of(specification), rules=rules).count()


def _reviewed() -> Q:
    return (
        Q(status__in=[Item.Status.REVIEWED, Item.Status.NEEDS_ADJUDICATION, Item.Status.REJECTED])
        | Q(Exists(Review.objects.filter(item_id=OuterRef("pk"), status=Review.Status.SUBMITTED)))
        | Q(
            Exists(
                PairwiseJudgment.objects.filter(
                    item_id=OuterRef("pk"), status=PairwiseJudgment.Status.SUBMITTED
                )
            )
        )
        | Q(Exists(Adjudication.objects.filter(item_id=OuterRef("pk"))))
    )


def _judge_scores(
    view: JudgeItemView, rubrics: RubricCache, rubric_id: int
) -> tuple[dict[str, Decimal | None], Decimal | None]:
    """The judge's scores as a reviewer's would be settled: the median per criterion of the
    answers that count, and the rubric's total of those (the median of the answers' own
    totals where a median falls between two steps of a scale)."""
    answers = view.answers.get("", [])
    values: dict[str, list[Decimal]] = {}
    for answer in answers:
        for code, value in answer.scores.items():
            values.setdefault(code, [])
            if value is not None:
                values[code].append(Decimal(str(value)))
    scores = {
        code: (statistics.median(found) if found else None)
        for code, found in sorted(values.items())
    }
    rubric = rubrics.get(rubric_id)
    try:
        total = rubric_score(rubric=rubric, scores=scores).total
    except ScoreError:
        totals = []
        for answer in answers:
            try:
                total = rubric_score(rubric=rubric, scores=answer.scores).total
            except ScoreError:
                continue
            if total is not None:
                totals.append(total)
        total = statistics.median(totals) if totals else None
    return scores, total


def _judge_problem(
    *, view: JudgeItemView | None, limit: Decimal, kind: str, has_cutoff: bool, rules: CurationRules
) -> str | None:
    if view is None:
        return NOT_JUDGED
    signal = view.signal
    if signal.n_unparsable or signal.n_failed or not signal.n_ok:
        return UNREADABLE
    if view.disagree:
        return DISAGREE
    if Decimal(str(signal.uncertainty)) > limit:
        return UNSURE
    if kind == "sft":
        if has_cutoff and signal.verdict != "pass":
            return VERDICT_FAILS
        if not has_cutoff and rules.min_total is None and not rules.min_scores:
            return VERDICT_FAILS
        if not view.answers.get(""):
            return STALE
    else:
        if signal.position_flip is not False or signal.verdict not in ("a", "b"):
            return NO_CHOICE
        if not (view.answers.get("ab") and view.answers.get("ba")):
            return STALE
    return None


def judge_accepted_items(
    *,
    specification: ExportSpecification,
    rules: CurationRules,
    stats: CurationStats,
    salt: str | None = None,
    source: JudgeSource | None = None,
) -> Iterator[ExportItem]:
    """The items the judge labels, in item order, each marked ``label_source="judge"``."""
    if specification.judge_id is None:
        return
    source = source or judge_source_for(specification=specification, rules=rules)
    config = _judge_of(specification)
    if rules.kind == "dpo" and DpoSource.PAIRWISE not in rules.dpo_sources:
        return
    salt = salt or pseudonym_salt()
    run: JudgeRun | None = judge_latest_run(config=config)
    items, _ = considered_items(_candidates(config=config, rules=rules), rules=rules, stats=stats)
    raised = set(sessions_flagged_by_reviewers(items))
    items = items.annotate(
        reviewed=_reviewed(),
        crisis=Exists(
            Flag.objects.filter(session_id=OuterRef("session_id"), kind=Flag.Kind.CRISIS)
        ),
        open_flag=Exists(
            Flag.objects.filter(session_id=OuterRef("session_id"), status=Flag.Status.OPEN)
        ),
    )
    # Read afresh: the share may have changed since the project's settings were read.
    review_settings_for(project=config.project)
    share = (
        ReviewSettings.objects.filter(project_id=config.project_id)
        .values_list("triage_control_share", flat=True)
        .get()
    )
    limit = specification.judge_max_uncertainty
    fingerprint = source.settings_fingerprint if source else ""
    curating = Curating(rules=rules, stats=stats, salt=salt)
    rubrics = curating.rubrics
    rubric_id = run.rubric_id if run is not None else None
    has_cutoff = rubric_id is not None and rubrics.get(rubric_id).cutoff is not None
    pair_rubric = (
        ReviewSettings.objects.filter(project_id=config.project_id)
        .values_list("pair_rubric_id", flat=True)
        .first()
    )
    rows: Iterable[tuple[int, int, bool, bool, bool]] = (
        items.order_by("pk")
        .values_list("pk", "session_id", "reviewed", "crisis", "open_flag")
        .iterator(chunk_size=CHUNK)
    )
    for chunk_rows in chunks(rows):
        eligible = []
        for item_id, session_id, reviewed, crisis, open_flag in chunk_rows:
            if reviewed:
                stats.leave_out(REVIEWED)
            elif crisis:
                stats.leave_out(CRISIS, f"item {item_id}")
            elif open_flag:
                stats.leave_out(OPEN_FLAG)
            elif session_id in raised:
                stats.leave_out(REVIEWER_FLAG_REASON)
            elif in_control_slice(project_id=config.project_id, item_id=item_id, share=share):
                stats.leave_out(CONTROL)
            else:
                eligible.append(item_id)
        if not eligible:
            continue
        views = (
            judge_item_views(run=run, item_ids=eligible, settings_fingerprint=fingerprint)
            if run is not None
            else {}
        )
        accepted = []
        for item_id in eligible:
            problem = _judge_problem(
                view=views.get(item_id),
                limit=limit,
                kind=rules.kind,
                has_cutoff=has_cutoff,
                rules=rules,
            )
            if problem:
                stats.leave_out(problem, f"item {item_id}")
            else:
                accepted.append(item_id)
        if not accepted:
            continue
        chunk = read_chunk(accepted)
        if rules.kind == "dpo":
            texts = dict(
                Candidate.objects.filter(
                    pk__in=[
                        chunk.items[i][key]
                        for i in accepted
                        for key in ("candidate_a_id", "candidate_b_id")
                    ]
                ).values_list("pk", "text")
            )
        for item_id in accepted:
            view = views[item_id]
            item: ExportItem | None
            if rules.kind == "sft":
                assert rubric_id is not None
                scores, total = _judge_scores(view, rubrics, rubric_id)
                chunk.final_scores[item_id] = scores
                chunk.adjudicated_total[item_id] = total
                chunk.rubrics[item_id] = rubric_id
                if not curating.scores_pass(chunk, item_id):
                    continue
                base = curating.fields(chunk, item_id, export_id=f"item-{item_id}", reviewers=[])
                session_id = chunk.items[item_id]["session_id"]
                item = SftSession(turns=chunk.turns[session_id], **base, label_source=JUDGE)
            else:
                row = chunk.items[item_id]
                a, b = row["candidate_a_id"], row["candidate_b_id"]
                chosen, rejected = (a, b) if view.signal.verdict == "a" else (b, a)
                base = curating.fields(
                    chunk, item_id, export_id=f"pair-{item_id}", reviewers=[], rubric_id=pair_rubric
                )
                item = DpoPair(
                    prompt=chunk.turns[row["session_id"]][: row["turn_index"]],
                    chosen=texts.get(chosen, ""),
                    rejected=texts.get(rejected, ""),
                    **base,
                    label_source=JUDGE,
                )
            if not curating.kept(item, source=JUDGE):
                continue
            if source is not None:
                source.items += 1
            yield item
