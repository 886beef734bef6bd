"""Judge runs on the database: configurations, runs as Jobs, answers stored and reused.

A run asks the judge about every item of the project: a session item is scored against the
judge's rubric version, a pair item is judged twice, once in each order of the responses, so
position consistency can be measured. Before calling, each question's fingerprint (the judge's
settings and the exact prompt, which covers the rubric, the template and the item's text) is
looked up: a question already answered (ok, unparsable or refused) is reused and costs nothing.
Only an error (a timeout, a 5xx after its retries) is asked again on the next run. The questions
and their fingerprints are review.selectors.judge_questions's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.models import Job, Project
from review.judges import (
    JudgeAnswer,
    JudgeConfigError,
    judge_many,
)
from review.judges.endpoint import JudgeSettings, judge_api_keys, unknown_key_message
from review.judges.inputs import JudgeInputError
from review.judges.network import JudgeHostRefused, base_url_problem
from review.models import JudgeConfig, JudgeResult, JudgeRun
from review.selectors.judge_examples import judge_calibration_examples
from review.selectors.judge_questions import judge_questions, judge_scoring_rubric
from review.services.judge_signals import judge_signals_store
from review.services.triage import triage_refresh
from rubrics.models import Rubric
from rubrics.scoring import RubricScore, ScoreError, rubric_score

ANSWERED = (JudgeResult.Status.OK, JudgeResult.Status.UNPARSABLE, JudgeResult.Status.REFUSED)
_ITEM_TERMS = {False: {"A": "a", "B": "b"}, True: {"A": "b", "B": "a"}}

Reporter = Callable[[int, int], None]


class JudgeRunError(Exception):
    """The run could not start (no usable configuration, no key); the text says what to fix."""


class JudgeRunBusy(JudgeRunError):
    """A run of this judge is already queued or running; two at once would ask twice."""


_JOB_RUN_STATUS = {
    Job.Status.CANCELLED: JudgeRun.Status.CANCELLED,
    Job.Status.FAILED: JudgeRun.Status.FAILED,
}
ACTIVE = (JudgeRun.Status.QUEUED, JudgeRun.Status.RUNNING)


def judge_runs_settle(*, config: JudgeConfig) -> None:
    """Bring unfinished runs in step with their jobs.

    A job cancelled while still queued (``/api/jobs/<id>/cancel/`` or the job page) never
    starts its task, so nothing else would tell the run it is over.
    """
    now = timezone.now()
    for job_status, run_status in _JOB_RUN_STATUS.items():
        JudgeRun.objects.filter(config=config, status__in=ACTIVE, job__status=job_status).update(
            status=run_status, finished_at=now
        )


def judge_run_begin(*, config: JudgeConfig, user: Any) -> JudgeRun:
    """A new run row, refused while another run of this judge is queued or running.

    The judge's row is locked for the check, so two starts at once cannot both pass it.
    Call inside a transaction.
    """
    JudgeConfig.objects.select_for_update().filter(pk=config.pk).first()
    judge_runs_settle(config=config)
    busy = JudgeRun.objects.filter(config=config, status__in=ACTIVE).first()
    if busy is not None:
        raise JudgeRunBusy(
            _(
                "Run %(run)s of judge %(name)s is still %(status)s; wait for it to finish or "
                "cancel it before starting another."
            )
            % {"run": busy.pk, "name": config.name, "status": busy.get_status_display().lower()}
        )
    return JudgeRun.objects.create(
        config=config, started_by=user, rubric=judge_scoring_rubric(config=config)
    )


def _judge_key(settings: JudgeSettings) -> str:
    """The judge's key, once its host is allowed; raises JudgeConfigError otherwise."""
    problem = base_url_problem(settings.base_url)
    if problem:
        raise JudgeHostRefused(
            _("Judge %(name)s: %(problem)s.") % {"name": repr(settings.name), "problem": problem}
        )
    return settings.api_key()


def judge_run_start(*, config: JudgeConfig, user: Any) -> JudgeRun:
    """Queue a run of this judge over its project's items, as a Job with progress.

    Raises JudgeRunBusy while another run of the judge is queued or running.
    """
    from core.jobs import job_enqueue
    from review.tasks import judge_run_task

    try:
        _judge_key(config.settings())
    except JudgeConfigError as exc:
        raise JudgeRunError(str(exc)) from exc
    with transaction.atomic():
        run = judge_run_begin(config=config, user=user)
        job = job_enqueue(
            kind="review.judge_run",
            task=judge_run_task,
            params={"run_id": run.pk},
            user=user,
            project=config.project,
        )
        run.job = job
        run.save(update_fields=["job"])
    return run


REDACTED = "[API key removed]"


def _redacted(value: Any, secret: str) -> Any:
    """The value with every copy of the key replaced: some servers echo the key they were
    sent in their errors ("Incorrect API key provided: sk-..."), and the database keeps them."""
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, REDACTED)
    if isinstance(value, list):
        return [_redacted(v, secret) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, secret) for k, v in value.items()}
    return value


def _result_fields(answer: JudgeAnswer, *, swapped: bool, secret: str = "") -> dict[str, Any]:
    terms = _ITEM_TERMS[swapped]
    fields = {
        "status": answer.status,
        "raw_text": answer.raw_text,
        "error": answer.error,
        "scores": dict(answer.scores) if answer.status == "ok" else {},
        "choice": terms.get(answer.choice, answer.choice) if answer.choice else "",
        "preferences": {code: terms.get(p, p) for code, p in answer.preferences.items()},
        "rationale": answer.rationale
        or "\n".join(f"{code}: {text}" for code, text in answer.rationales.items()),
        "attempts": [
            {"number": a.number, "outcome": a.outcome, "detail": a.detail, "waited_s": a.waited_s}
            for a in answer.attempts
        ],
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "cost": answer.cost,
        "settings_fingerprint": answer.settings_fingerprint,
        "prompt_version": answer.prompt_version,
        "prompt_hash": answer.prompt_hash,
    }
    for name in ("raw_text", "error", "rationale", "attempts"):
        fields[name] = _redacted(fields[name], secret)
    return fields


def judge_run_settle(job: Any) -> None:
    """The run's job ended failed or cancelled without the run saying so (its worker died, the
    broker refused it): the run says so too, with the job's reason. A retry runs it again."""
    cancelled = job.status == "cancelled"
    JudgeRun.objects.filter(
        pk=job.params.get("run_id"),
        status__in=[JudgeRun.Status.QUEUED, JudgeRun.Status.RUNNING],
    ).update(
        status=JudgeRun.Status.CANCELLED if cancelled else JudgeRun.Status.FAILED,
        error=job.error_report,
        finished_at=timezone.now(),
    )


def judge_run_execute(
    *,
    run: JudgeRun,
    report: Reporter | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> JudgeRun:
    """Run the judge: reuse what was answered, ask the rest, store every answer as it comes.

    ``report(done, total)`` is called as answers arrive; ``should_stop()`` ends the run early
    (answers in flight are still stored). Raises JudgeRunError when the judge cannot be used.
    """
    config = run.config
    try:
        settings = config.settings()
        secret = _judge_key(settings)
    except JudgeConfigError as exc:
        JudgeRun.objects.filter(pk=run.pk).update(
            status=JudgeRun.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise JudgeRunError(str(exc)) from exc
    rubric = judge_scoring_rubric(config=config)
    examples = (
        judge_calibration_examples(
            project_id=config.project_id, rubric=rubric, count=config.few_shot
        )
        if rubric is not None
        else []
    )
    run.rubric = rubric
    run.examples = [item_id for item_id, _example in examples]
    JudgeRun.objects.filter(pk=run.pk).update(
        status=JudgeRun.Status.RUNNING, rubric=rubric, examples=run.examples
    )
    try:
        questions = judge_questions(config=config, settings=settings, examples=examples)
    except (JudgeInputError, ValueError) as exc:
        # A rubric or item the prompt cannot be built from (an anchor off the scale, an empty
        # response): say which, rather than fail as an unexpected error.
        JudgeRun.objects.filter(pk=run.pk).update(
            status=JudgeRun.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise JudgeRunError(str(exc)) from exc
    answered = set(
        JudgeResult.objects.filter(config=config, status__in=ANSWERED).values_list(
            "item_id", "order", "fingerprint"
        )
    )
    to_ask = [q for q in questions if (q.item.pk, q.order, q.fingerprint) not in answered]
    by_key = {q.request.key: q for q in to_ask}
    run.n_requests = len(questions)
    run.n_reused = len(questions) - len(to_ask)
    done = run.n_reused
    if report is not None:
        report(done, len(questions))

    # Rows of earlier errors being asked again are updated in place; everything else is new.
    # Each answer costs one query, and the run's counters are written at most twice a second:
    # while an answer is being stored no new request goes out, so storing must stay cheap.
    retried = {
        (item_id, order, fingerprint): pk
        for pk, item_id, order, fingerprint in JudgeResult.objects.filter(
            config=config, status=JudgeResult.Status.ERROR
        ).values_list("pk", "item_id", "order", "fingerprint")
    }
    last_save = 0.0

    def store(answer: JudgeAnswer) -> None:
        nonlocal done, last_save
        question = by_key[answer.key]
        fields = _result_fields(answer, swapped=question.order == "ba", secret=secret)
        fields["rubric"] = rubric if question.order == "" else None
        key = (question.item.pk, question.order, question.fingerprint)
        earlier = retried.get(key)
        if earlier is not None:
            JudgeResult.objects.filter(pk=earlier).update(
                **fields, run=run, updated_at=timezone.now()
            )
        else:
            try:
                with transaction.atomic():
                    JudgeResult.objects.create(
                        config=config,
                        item=question.item,
                        order=question.order,
                        fingerprint=question.fingerprint,
                        sample=question.sample,
                        run=run,
                        **fields,
                    )
            except IntegrityError:
                # Another process stored this answer meanwhile (a run started around the
                # busy check, e.g. from an older version); keep the newer answer.
                JudgeResult.objects.filter(
                    config=config,
                    item=question.item,
                    order=question.order,
                    fingerprint=question.fingerprint,
                ).update(**fields, run=run, updated_at=timezone.now())
        run.n_called += 1
        setattr(run, f"n_{answer.status}", getattr(run, f"n_{answer.status}") + 1)
        run.prompt_tokens += answer.prompt_tokens
        run.completion_tokens += answer.completion_tokens
        run.cost = Decimal(run.cost) + answer.cost
        done += 1
        if time.monotonic() - last_save >= 0.5:
            last_save = time.monotonic()
            run.save()
        if report is not None:
            report(done, len(questions))

    try:
        summary = judge_many(
            settings=settings,
            requests=[q.request for q in to_ask],
            on_answer=store,
            should_stop=should_stop,
        )
    except KeyboardInterrupt:
        # Ctrl-C in judge_run: what was answered is stored, so the counters say so too.
        run.status = JudgeRun.Status.CANCELLED
        run.finished_at = timezone.now()
        run.save()
        judge_signals_store(run=run, questions=questions)
        raise
    run.status = JudgeRun.Status.CANCELLED if summary.stopped else JudgeRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    judge_signals_store(run=run, questions=questions)
    triage_refresh(project=config.project)
    return run


def judge_config_save(
    *, project: Project, config: JudgeConfig | None, fields: dict[str, Any], actor: Any
) -> JudgeConfig:
    """Create or change a judge configuration; the change is audited (it changes what the
    judge's scores mean from then on)."""
    key_name = fields.get("api_key_name")
    if key_name and key_name not in judge_api_keys():
        raise ValidationError({"api_key_name": unknown_key_message(judge_api_keys())})
    base_url = fields.get("base_url")
    if base_url is not None:
        problem = base_url_problem(base_url)
        if problem:
            raise ValidationError({"base_url": problem})
    rubric = fields.get("rubric")
    if rubric is not None and (
        rubric.status != Rubric.Status.PUBLISHED or rubric.scope != "session"
    ):
        raise ValidationError(
            {
                "rubric": _(
                    "A judge scores against a published session rubric; %(rubric)s is not one."
                )
                % {"rubric": f"{rubric.slug} v{rubric.version}"}
            }
        )
    with transaction.atomic():
        if config is None:
            config = JudgeConfig(project=project)
            before = None
        else:
            before = {name: str(getattr(config, name)) for name in fields}
        for name, value in fields.items():
            setattr(config, name, value)
        config.full_clean()
        config.save()
        audit_record(
            actor=actor,
            action=AuditAction.JUDGE_CONFIGURED,
            obj=config,
            project=project,
            before=before,
            after={name: str(getattr(config, name)) for name in fields},
        )
    return config


def judge_result_score(*, result: JudgeResult) -> RubricScore | None:
    """The total and pass / fail of a score answer, by the rubric's own rule (NA prorated).

    None for pairs, for answers without scores, and for scores that no longer fit the rubric
    version (a judge answer is checked when parsed, so that means the rubric changed).
    """
    if result.rubric_id is None or result.status != JudgeResult.Status.OK or not result.scores:
        return None
    assert result.rubric is not None
    try:
        return rubric_score(rubric=result.rubric, scores=result.scores)
    except ScoreError:
        return None
