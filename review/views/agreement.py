"""Views of the review app: the agreement part (a lead's dashboards and judges).

Every page here is for a project's leads: reviewers never reach agreement or judge numbers
(``user_sees_judges``), so blind review holds whatever the URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import jobs
from core.http import AuthedHttpRequest
from core.models import Job, Project, Role
from core.selectors import project_get_for_user
from core.spreadsheets import csv_response
from review.forms import AgreementFilterForm, JudgeConfigForm, SendBackForm
from review.models import Choice, Item, JudgeConfig, JudgeResult, JudgeRun
from review.selectors.access import user_sees_judges
from review.selectors.agreement import (
    EXTERNAL_PREFIX,
    projects_for_agreement,
    rubric_for_agreement,
    rubrics_rated,
)
from review.selectors.judge_prompt_history import judge_prompt_history
from review.services.agreement_cache import (
    agreement_inline,
    agreement_refresh_enqueue,
    agreement_refresh_job,
)
from review.services.judging import (
    JudgeRunError,
    judge_config_save,
    judge_result_score,
    judge_run_start,
)
from review.services.send_back import SendBackRefused, item_send_back
from review.views.agreement_charts import bias_chart, interval_chart
from rubrics.models import Measurement, Rubric, text_in


def _lead_project(request: AuthedHttpRequest, slug: str) -> Project:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    if not user_sees_judges(project=project, user=request.user):
        raise PermissionDenied
    return project


def _judge(project: Project, judge_id: int) -> JudgeConfig:
    return get_object_or_404(JudgeConfig, pk=judge_id, project=project)


@require_GET
def agreement_home(request: AuthedHttpRequest) -> HttpResponse:
    projects = projects_for_agreement(user=request.user)
    return render(request, "review/agreement/home.html", {"projects": projects})


def _filters(
    request: AuthedHttpRequest, project: Project
) -> tuple[AgreementFilterForm, Rubric | None, datetime | None, datetime | None]:
    form = AgreementFilterForm(
        request.GET or None,
        rubrics=rubrics_rated(project=project),
        initial={"rubric": rubric_for_agreement(project=project)},
    )
    chosen = form.cleaned_data.get("rubric") if form.is_valid() else None
    rubric = rubric_for_agreement(project=project, rubric=chosen)
    since, until = form.period()
    return form, rubric, since, until


def _label(row: dict[str, Any]) -> str:
    return text_in(row.get("title")) or row.get("code") or _("Overall choice")


def _decorate(report: dict[str, Any]) -> dict[str, Any]:
    """Labels in the reader's language (the stored report keeps every language's titles)."""
    titles = {row["code"]: _label(row) for row in report["criteria"]}
    for row in [*report["criteria"], *([report["composite"]] if report["composite"] else [])]:
        row["label"] = titles.get(row["code"], row["code"])
        row["level_label"] = Measurement(row["level"]).label
    for key in ("reviewers", "weeks", "disagreements", "adjudicated"):
        for row in report[key]:
            row["label"] = titles.get(row["criterion"], row["criterion"])
    for row in report["reviewers"]:
        rater = str(row["rater"])
        row["imported"] = rater.startswith(EXTERNAL_PREFIX)
        row["rater_name"] = rater.removeprefix(EXTERNAL_PREFIX)
    report["disagreement_groups"] = _by_item(report["disagreements"])
    for judge in report["judges"]:
        for row in judge["criteria"]:
            row["label"] = titles.get(row["code"], row["code"])
        for row in judge["disagreements"]:
            row["label"] = titles.get(row["criterion"], row["criterion"])
        judge["disagreement_groups"] = _by_item(judge["disagreements"])
        for row in judge["pair_disagreements"]:
            row["majority_label"] = _choice_label(row["majority"])
            row["judge_label"] = _choice_label(row["judge"])
    return report


def _by_item(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Disagreement rows grouped per item, in the order of each item's widest row.

    The report lists one row per item and criterion; a CTRS item where reviewers split on
    eleven criteria is one item to send back, so the lead sees it once, with one form.
    """
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = str(row["item"])
        group = groups.setdefault(key, {"item": row["item"], "rows": [], "n": 0})
        group["rows"].append(row)
        group["n"] = max(group["n"], int(row.get("n") or 0))
    return list(groups.values())


def _choice_label(value: str) -> str:
    """A pairwise verdict in the reader's language ("A is better"), or as stored if unknown."""
    try:
        return str(Choice(value).label)
    except ValueError:
        return value


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    shown = [*report["criteria"], *([report["composite"]] if report["composite"] else [])]
    rows = [(row["label"], row["alpha"], row["low"], row["high"]) for row in shown]
    if report["composite"]:
        rows[-1] = (_("Total"), *rows[-1][1:])
    thin = [bool(row.get("unreliable")) for row in shown]
    charts: dict[str, Any] = {
        "alpha": interval_chart(rows, unreliable=thin) if rows else None,
        "judges": [],
    }
    for judge in report["judges"]:
        if not judge["criteria"]:
            continue
        charts["judges"].append(
            {
                "name": judge["name"],
                "alpha": interval_chart(
                    [
                        (row["label"], row["humans"]["alpha"], None, None)
                        for row in judge["criteria"]
                    ],
                    second=[row["with_judge"]["alpha"] for row in judge["criteria"]],
                    unreliable=[row["humans"]["unreliable"] for row in judge["criteria"]],
                ),
                "bias": bias_chart([(row["label"], row["bias"]) for row in judge["criteria"]]),
            }
        )
    mean_bias = _reviewer_mean_bias(report)
    charts["reviewers"] = bias_chart(list(mean_bias.items())) if mean_bias else None
    return charts


def _reviewer_mean_bias(report: dict[str, Any]) -> dict[str, float]:
    """Each reviewer's bias averaged over the criteria: the reviewers' bias chart (and CSV)."""
    per_reviewer: dict[str, list[float]] = {}
    for row in report["reviewers"]:
        if row["bias"] is not None:
            per_reviewer.setdefault(str(row["rater"]), []).append(row["bias"])
    return {name: sum(v) / len(v) for name, v in sorted(per_reviewer.items())}


def _refresh_job(project: Project) -> Job | None:
    return agreement_refresh_job(project=project)


def _judge_rows(project: Project) -> list[dict[str, Any]]:
    rows = []
    for config in JudgeConfig.objects.filter(project=project).select_related("rubric"):
        run = config.runs.select_related("job").first()
        rows.append({"config": config, "run": run})
    return rows


def _item_ids(report: dict[str, Any]) -> set[int]:
    keys = [row["item"] for row in report["disagreements"]]
    for judge in report["judges"]:
        keys += [row["item"] for row in judge["disagreements"]]
        keys += [row["item"] for row in judge["pair_disagreements"]]
    return {int(key) for key in keys if str(key).isdigit()}


@require_GET
def agreement_project(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = _lead_project(request, slug)
    form, rubric, since, until = _filters(request, project)
    report = agreement_inline(project=project, rubric=rubric, since=since, until=until)
    context: dict[str, Any] = {
        "project": project,
        "form": form,
        "rubric": rubric,
        "report": None,
        "judges": _judge_rows(project),
        "refresh_job": _refresh_job(project),
        "send_back_form": SendBackForm(),
        "query": request.GET.urlencode(),
    }
    if report is not None:
        report = _decorate(report)
        ids = _item_ids(report)
        statuses = dict(
            Item.objects.filter(project=project, pk__in=ids).values_list("pk", "status")
        )
        context.update(
            report=report,
            charts=_charts(report),
            item_status={str(pk): Item.Status(status).label for pk, status in statuses.items()},
            # A decided item cannot go back to review, so its rows offer no send-back form.
            decided_items={
                str(pk)
                for pk, status in statuses.items()
                if status in (Item.Status.APPROVED, Item.Status.REJECTED)
            },
        )
    return render(request, "review/agreement/project.html", context)


@require_POST
def agreement_recompute(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Compute a large project's report in the background; the page shows the job's progress."""
    project = _lead_project(request, slug)
    _form, rubric, since, until = _filters(request, project)
    agreement_refresh_enqueue(
        project=project, rubric=rubric, since=since, until=until, user=request.user
    )
    messages.success(request, _("Agreement is being computed; the page shows it when done."))
    return redirect(f"{reverse('review:agreement_project', args=[slug])}?{request.GET.urlencode()}")


def _csv_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    """Every number on the dashboard, one per row: section, judge, criterion, rater, statistic.

    A list (the warnings of a figure) is one cell, its codes separated by spaces.
    """
    for row in _csv_values(report):
        value = row[-1]
        yield [*row[:-1], " ".join(value) if isinstance(value, list) else value]


def _csv_values(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield ["section", "judge", "criterion", "rater_or_item", "statistic", "value"]
    alpha_keys = (
        "alpha",
        "low",
        "high",
        "n_items",
        "n_pairable",
        "n_raters",
        "reason",
        "n_boot",
        "n_boot_dropped",
        "ratings_per_item",
        "unreliable",
        "warnings",
    )
    for row in report["criteria"]:
        for key in ("level", *alpha_keys):
            yield ["criterion", "", row["code"], "", key, row[key]]
    if report["composite"]:
        for key in ("method", *alpha_keys):
            yield ["composite", "", "total", "", key, report["composite"][key]]
    for row in report["adjudicated"]:
        for key in ("n_items", "mean_shift"):
            yield ["adjudicated", "", row["criterion"], "", key, row[key]]
    pairwise = report["pairwise"] or {}
    pair_keys = (
        *alpha_keys,
        "agreement",
        "n_pairs",
        "agreement_without_ties",
        "n_pairs_without_ties",
    )
    if pairwise.get("choice"):
        for key in pair_keys:
            yield ["pairwise", "", "choice", "", key, pairwise["choice"][key]]
    for row in pairwise.get("principles", []):
        for key in pair_keys:
            yield ["pairwise", "", row["code"], "", key, row[key]]
    for row in report["reviewers"]:
        for key in ("n_items", "exact", "within_one", "mean_abs_diff", "bias", "alpha"):
            yield ["reviewer", "", row["criterion"], row["rater"], key, row[key]]
    for rater, bias in _reviewer_mean_bias(report).items():
        yield ["reviewer", "", "", rater, "mean_bias", bias]
    for row in report["weeks"]:
        for key in alpha_keys:
            yield ["week", "", row["criterion"], row["week"], key, row[key]]
    for row in report["disagreements"]:
        for key in ("low", "high", "spread", "n"):
            yield ["disagreement", "", row["criterion"], row["item"], key, row[key]]
    for judge in report["judges"]:
        name = judge["name"]
        for row in judge["criteria"]:
            code = row["code"]
            for key in alpha_keys:
                yield ["judge", name, code, "", f"humans_{key}", row["humans"][key]]
                yield ["judge", name, code, "", f"with_judge_{key}", row["with_judge"][key]]
            for key in ("n_items", "spearman", "kappa", "mean_abs_error", "bias"):
                yield ["judge", name, code, "", key, row[key]]
            labels = row["confusion"]["labels"]
            for i, judged in enumerate(labels):
                for j, human in enumerate(labels):
                    statistic = f"confusion judge={judged:g} human={human:g}"
                    yield ["judge", name, code, "", statistic, row["confusion"]["counts"][i][j]]
        for row in ([judge["pairwise"]] if judge["pairwise"] else []) + judge["principles"]:
            for key in (
                "n_items",
                "n_no_majority",
                "agreement",
                "agreement_without_ties",
                "n_items_without_ties",
                "n_one_order",
            ):
                yield ["judge_pairwise", name, row["code"] or "choice", "", key, row[key]]
        if judge["position"]:
            for key, value in judge["position"].items():
                yield ["judge_position", name, "", "", key, value]
        for row in judge["disagreements"]:
            for key in ("human_median", "judge", "difference"):
                yield ["judge_disagreement", name, row["criterion"], row["item"], key, row[key]]
        for row in judge["pair_disagreements"]:
            for key in ("majority", "votes", "n_raters", "judge"):
                yield ["judge_pair_disagreement", name, "choice", row["item"], key, row[key]]


@require_GET
def agreement_download(request: AuthedHttpRequest, slug: str) -> HttpResponseBase:
    project = _lead_project(request, slug)
    _form, rubric, since, until = _filters(request, project)
    report = agreement_inline(project=project, rubric=rubric, since=since, until=until)
    if report is None:
        # Too large to compute in a request: the CSV is the stored report, so it waits for
        # the background job like the page does.
        messages.info(
            request,
            _(
                "This report is too large to compute while you wait. Recompute it in the "
                "background; the CSV can be downloaded once the job has finished."
            ),
        )
        return redirect(
            f"{reverse('review:agreement_project', args=[slug])}?{request.GET.urlencode()}"
        )
    name = f"agreement-{project.slug}" + (f"-{rubric.slug}-v{rubric.version}" if rubric else "")
    return csv_response(rows=_csv_rows(report), filename=f"{name}.csv")


@require_POST
def agreement_send_back(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    project = _lead_project(request, slug)
    item = get_object_or_404(Item, pk=item_id, project=project)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the item needs another review."))
    else:
        try:
            item_send_back(item=item, actor=request.user, reason=form.cleaned_data["reason"])
        except SendBackRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Item %(item)s is back in review for one more reviewer.") % {"item": item.pk},
            )
    return redirect(f"{reverse('review:agreement_project', args=[slug])}?{request.GET.urlencode()}")


def _runs(config: JudgeConfig) -> QuerySet[JudgeRun]:
    return config.runs.select_related("job", "started_by")[:20]


@require_http_methods(["GET", "POST"])
def judge_create(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = _lead_project(request, slug)
    form = JudgeConfigForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        config = judge_config_save(project=project, config=None, fields=fields, actor=request.user)
        messages.success(request, _("Judge %(name)s saved.") % {"name": config.name})
        return redirect("review:judge_detail", slug=slug, judge_id=config.pk)
    return render(request, "review/agreement/judge_form.html", {"project": project, "form": form})


@require_http_methods(["GET", "POST"])
def judge_detail(request: AuthedHttpRequest, slug: str, judge_id: int) -> HttpResponse:
    project = _lead_project(request, slug)
    config = _judge(project, judge_id)
    form = JudgeConfigForm(request.POST or None, instance=config, project=project)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        judge_config_save(project=project, config=config, fields=fields, actor=request.user)
        messages.success(request, _("Judge %(name)s saved.") % {"name": config.name})
        return redirect("review:judge_detail", slug=slug, judge_id=config.pk)
    faults = JudgeResult.objects.filter(config=config).exclude(status=JudgeResult.Status.OK)
    scored = (
        JudgeResult.objects.filter(
            config=config, status=JudgeResult.Status.OK, rubric__isnull=False
        )
        .select_related("rubric")
        .prefetch_related("rubric__criteria", "rubric__groups")
        .order_by("-updated_at", "-pk")[:50]
    )
    return render(
        request,
        "review/agreement/judge_detail.html",
        {
            "project": project,
            "config": config,
            "form": form,
            "runs": _runs(config),
            "prompt_history": judge_prompt_history(config=config),
            "scored": [
                {"result": result, "score": judge_result_score(result=result)} for result in scored
            ],
            "faults": faults.select_related("item").order_by("-updated_at")[:50],
            "counts": [
                (label, JudgeResult.objects.filter(config=config, status=status).count())
                for status, label in JudgeResult.Status.choices
            ],
        },
    )


@require_POST
def judge_run(request: AuthedHttpRequest, slug: str, judge_id: int) -> HttpResponse:
    project = _lead_project(request, slug)
    config = _judge(project, judge_id)
    try:
        judge_run_start(config=config, user=request.user)
    except JudgeRunError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The judge run has started."))
    return redirect("review:judge_detail", slug=slug, judge_id=config.pk)


@require_POST
def judge_run_cancel(request: AuthedHttpRequest, slug: str, run_id: int) -> HttpResponse:
    project = _lead_project(request, slug)
    run = get_object_or_404(JudgeRun, pk=run_id, config__project=project)
    if run.job is None:
        raise Http404
    jobs.job_cancel(job=run.job)
    run.job.refresh_from_db()
    if run.job.status == Job.Status.CANCELLED:
        JudgeRun.objects.filter(pk=run.pk).update(status=JudgeRun.Status.CANCELLED)
    messages.success(request, _("The run stops after the answers already on their way."))
    return redirect("review:judge_detail", slug=slug, judge_id=run.config_id)
