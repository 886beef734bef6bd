"""Building exports: one function writes the folder (used by the Job and by ``export_build``),
and the version services start builds, record them and approve them."""

from __future__ import annotations

import itertools
import json
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import storage
from core.audit import AuditAction, audit_record
from core.models import AuditEvent, Job, Project
from exports.folder import ExportResult, export_folder_write, fewer_collections
from exports.items import ExportItem, ExportKind, SftMode, SftStart
from exports.manifest import MANIFEST_NAME
from exports.models import EXPORT_BUILD_KIND, ExportSpecification, ExportVersion
from exports.services.agreement import (
    CriterionAgreement,
    ExportRefused,
    agreement_by_criterion,
    agreement_check,
    specification_agreement,
)
from exports.services.curation import curated_items, curation_candidates
from exports.services.curation_rules import CurationRules, CurationStats
from exports.services.judge_items import (
    human_labelled,
    judge_accepted_items,
    judge_candidates,
    judge_rules_dict,
    judge_source_for,
)
from exports.spec import ExportRecord, ExportSpec
from exports.splitting import SPLITS, SplitRatios

SAMPLE_ROWS = 3

Progress = Callable[..., None]


def export_spec_build(*, specification: ExportSpecification, rules: CurationRules) -> ExportSpec:
    return ExportSpec(
        kind=ExportKind(specification.kind),
        name=specification.name,
        ratios=SplitRatios(
            float(specification.train_ratio),
            float(specification.validation_ratio),
            float(specification.test_ratio),
        ),
        seed=specification.seed,
        sft_mode=SftMode(specification.sft_mode),
        sft_start=SftStart(specification.sft_start),
        formats=tuple(specification.formats),
        curation=rules.as_dict() | judge_rules_dict(specification=specification),
        label_source=specification.judge_id is not None,
    )


def rules_check(*, rules: CurationRules) -> None:
    """Refuse rules that cannot be applied as written (saved before the form checked them,
    or sent to the command or the API)."""
    problem = rules.problem()
    if problem:
        raise ExportRefused(problem)


def _item_approvers(project_ids: Iterable[int]) -> tuple[str, ...]:
    """The leads who approved the projects' items, as the audit log records them."""
    names = (
        AuditEvent.objects.filter(
            project_id__in=list(project_ids),
            object_type="review.Item",
            after__status="approved",
            actor__isnull=False,
        )
        .values_list("actor__username", flat=True)
        .distinct()
    )
    return tuple(sorted(set(names)))


@dataclass(frozen=True)
class BuildOutcome:
    result: ExportResult
    stats: CurationStats
    agreement: list[CriterionAgreement]


def _with_progress(
    items: Iterator[ExportItem], *, stats: CurationStats, total: int, progress: Progress | None
) -> Iterator[ExportItem]:
    for item in items:
        if progress is not None:
            done = min(total, stats.kept + sum(stats.left_out.values()))
            progress(done, total=total)
        yield item


def export_build(
    *,
    specification: ExportSpecification,
    folder: Path,
    built_at: datetime,
    progress: Progress | None = None,
    project_ids: Iterable[int] | None = None,
) -> BuildOutcome:
    """Curate the specification's items and write the export into ``folder``.

    Raises ExportRefused when agreement is below a bar or nothing passes curation; the
    folder is then left as it was.
    """
    if folder.exists() and any(folder.iterdir()):
        raise ExportRefused(
            _("%(folder)s: the export folder must be empty (or not exist yet).")
            % {"folder": folder}
        )
    rules = CurationRules.of(specification, project_ids=project_ids)
    rules_check(rules=rules)
    projects = list(Project.objects.filter(pk__in=rules.project_ids))
    # Agreement reads every score of the projects: as many short-lived objects as curation.
    with fewer_collections():
        agreement = specification_agreement(
            projects=projects,
            bars=rules.min_agreement,
            all_criteria=True,
            kind=specification.kind,
            dpo_sources=rules.dpo_sources,
        )
    agreement_check(agreement=agreement)
    spec = export_spec_build(specification=specification, rules=rules)
    judge = judge_source_for(specification=specification, rules=rules)
    record = ExportRecord(
        built_at=built_at,
        rapport_version=settings.RAPPORT_VERSION,
        item_approvers=_item_approvers(rules.project_ids),
        agreement=agreement_by_criterion(agreement=agreement),
        judge=judge,
    )
    stats = CurationStats()
    total = curation_candidates(rules=rules) + judge_candidates(
        specification=specification, rules=rules
    )
    if progress is not None:
        progress(0, total=total, message=_("Reading approved items"), force=True)
    curated: Iterator[ExportItem] = curated_items(rules=rules, stats=stats)
    if judge is not None:
        # Human-reviewed items first, as always; then what the judge labels on its own.
        curated = itertools.chain(
            human_labelled(curated),
            judge_accepted_items(
                specification=specification, rules=rules, stats=stats, source=judge
            ),
        )
    items = _with_progress(curated, stats=stats, total=total, progress=progress)
    try:
        result = export_folder_write(spec=spec, items=items, folder=folder, record=record)
    except ValueError as error:
        if stats.kept == 0:
            raise ExportRefused(
                _("Nothing to export: no approved item passes the curation rules (%(why)s).")
                % {"why": _left_out_text(stats)}
            ) from error
        if "no item gives a training row" in str(error):
            raise ExportRefused(
                _(
                    "Nothing to export: the %(kept)d items that pass curation give no training "
                    "row (an SFT example needs a counselor turn after a client turn; sessions "
                    "with candidate answers only can be exported as DPO pairs)."
                )
                % {"kept": stats.kept}
            ) from error
        raise
    if progress is not None:
        progress(total, total=total, message=_("Files written"), force=True)
    return BuildOutcome(result=result, stats=stats, agreement=agreement)


def _left_out_text(stats: CurationStats) -> str:
    if not stats.considered:
        return _("the projects have no approved items of this kind")
    reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(stats.left_out.items()))
    return _("%(considered)d approved items considered; left out: %(reasons)s") % {
        "considered": stats.considered,
        "reasons": reasons or "—",
    }


def _sample_rows(folder: Path, manifest: dict[str, Any]) -> dict[str, list[Any]]:
    """The first rows of each split's data file, for the lead to read before approving."""
    samples: dict[str, list[Any]] = {}
    for entry in manifest["files"]:
        if entry["role"] != "data" or entry["split"] in samples:
            continue
        path = folder / entry["path"]
        if entry["format"] == "jsonl":
            with path.open(encoding="utf-8") as handle:
                rows = [json.loads(line) for line in itertools.islice(handle, SAMPLE_ROWS)]
        else:
            batch = next(pq.ParquetFile(path).iter_batches(batch_size=SAMPLE_ROWS), None)
            rows = batch.to_pylist() if batch is not None else []
        samples[entry["split"]] = rows
    return {split: samples[split] for split in SPLITS if split in samples}


def specification_snapshot(*, specification: ExportSpecification) -> dict[str, Any]:
    rules = CurationRules.of(specification)
    return export_spec_build(specification=specification, rules=rules).as_dict() | {
        "projects": sorted(specification.projects.values_list("slug", flat=True))
    }


def export_version_start(*, specification: ExportSpecification, user: Any) -> ExportVersion:
    """Queue a build as a new version; rules that cannot be applied are refused at once.

    The agreement bars are checked by the build's job (``export_build``), not here: measuring
    agreement reads every score of the projects, half a minute of a web request over 30,000
    items. A version below a bar fails with the reason, like any other failed build.
    """
    from exports.tasks import export_build_task

    rules = CurationRules.of(specification)
    rules_check(rules=rules)
    projects = list(Project.objects.filter(pk__in=rules.project_ids))
    with transaction.atomic():
        ExportSpecification.objects.select_for_update().filter(pk=specification.pk).first()
        last = specification.versions.aggregate(last=Max("number"))["last"] or 0
        number = last + 1
        version = ExportVersion.objects.create(
            specification=specification,
            number=number,
            # A random part keeps a new database from ever reusing an old folder.
            folder=f"spec-{specification.pk}/v{number}-{secrets.token_hex(4)}",
            spec_snapshot=specification_snapshot(specification=specification),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        job = _enqueue(version, user, projects, export_build_task)
        version.job = job
        version.save(update_fields=["job"])
        for project in projects:
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_VERSION_BUILD,
                obj=version,
                project=project,
                after={"number": number, "job": job.pk},
            )
    return version


def _enqueue(version: ExportVersion, user: Any, projects: list[Project], task: Any) -> Job:
    from core.jobs import job_enqueue

    return job_enqueue(
        kind=EXPORT_BUILD_KIND,
        task=task,
        params={"version_id": version.pk},
        user=user,
        project=projects[0] if projects else None,
        message=_("Waiting for a worker"),
    )


def export_version_settle(job: Any) -> None:
    """The build's job failed or was cancelled outside the build (the broker refused it, its
    worker died): the version says failed, with the job's reason, rather than "building"."""
    ExportVersion.objects.filter(
        pk=job.params.get("version_id"), status=ExportVersion.Status.BUILDING
    ).update(status=ExportVersion.Status.FAILED, error=(job.error_report or job.message)[:2000])


def export_version_requeue(job: Any) -> None:
    """The failed build's job is retried: the version is building again, so the build runs."""
    ExportVersion.objects.filter(
        pk=job.params.get("version_id"), status=ExportVersion.Status.FAILED
    ).update(status=ExportVersion.Status.BUILDING, error="")


PARTIAL = ".partial-"


def _clear_stale_builds(final: Path) -> None:
    """Remove what an earlier delivery of this build left: half-written ``.partial-*``
    folders of a worker that died, and a folder renamed into place whose version was never
    recorded as built (nobody can have downloaded it: only approved versions download)."""
    for stale in final.parent.glob(f"{final.name}{PARTIAL}*"):
        shutil.rmtree(stale, ignore_errors=True)
    if final.exists():
        shutil.rmtree(final)


def export_version_build(*, version: ExportVersion, progress: Progress | None = None) -> None:
    """Build a queued version into the exports storage; a failure marks it failed, with the
    reason.

    A task is delivered again when its worker dies, so this may run over the leftovers of
    an attempt that never finished. No file of the version is served before it is whole: on
    the local disk the files are written into a fresh sibling folder and renamed into place
    once complete; in a bucket (which cannot rename) they are built on the worker's disk and
    uploaded under the version's prefix with ``manifest.json`` last, and the version is
    recorded as built only after that. The build time written into the manifest is when the
    version was started, so a retried build gives the same bytes. A delivery for a version no
    longer building (another delivery finished it) does nothing.
    """
    status = ExportVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if status != ExportVersion.Status.BUILDING:
        return
    exports = storage.exports_storage()
    local_final = storage.local_path(exports, version.folder)
    if local_final is not None:
        outcome, samples = _build_in_place(version, local_final, progress)
    else:
        outcome, samples = _build_and_upload(version, exports, progress)
    _record_built(version, outcome, samples)


def _failed(version: ExportVersion, error: Exception) -> None:
    ExportVersion.objects.filter(pk=version.pk, status=ExportVersion.Status.BUILDING).update(
        status=ExportVersion.Status.FAILED, error=str(error)[:2000]
    )


def _build_in_place(
    version: ExportVersion, final: Path, progress: Progress | None
) -> tuple[BuildOutcome, dict[str, list[Any]]]:
    final.parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_builds(final)
    partial = final.with_name(f"{final.name}{PARTIAL}{secrets.token_hex(4)}")
    try:
        outcome = export_build(
            specification=version.specification,
            folder=partial,
            built_at=version.created_at,
            progress=progress,
        )
        # One rename on one filesystem: readers see no folder or a complete one.
        partial.rename(final)
    except Exception as error:
        shutil.rmtree(partial, ignore_errors=True)
        _failed(version, error)
        raise
    return outcome, _sample_rows(final, outcome.result.manifest)


def _build_and_upload(
    version: ExportVersion, exports: Any, progress: Progress | None
) -> tuple[BuildOutcome, dict[str, list[Any]]]:
    """Build on this worker's disk, then upload under the version's prefix, manifest last."""
    scratch = Path(settings.MEDIA_ROOT) / "exports-work"
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"v{version.pk}-", dir=scratch))
    try:
        # What a dead attempt uploaded: never served (the version was not built), so it goes.
        storage.delete_under(exports, version.folder)
        try:
            outcome = export_build(
                specification=version.specification,
                folder=work / "build",
                built_at=version.created_at,
                progress=progress,
            )
            if progress is not None:
                progress(message=_("Uploading the files"), force=True)
            folder_publish(
                folder=work / "build",
                target=exports,
                prefix=version.folder,
                manifest=outcome.result.manifest,
            )
        except Exception as error:
            storage.delete_under(exports, version.folder)
            _failed(version, error)
            raise
        return outcome, _sample_rows(work / "build", outcome.result.manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def folder_publish(*, folder: Path, target: Any, prefix: str, manifest: dict[str, Any]) -> None:
    """Upload a built export folder under ``prefix`` of a storage, streamed, ``manifest.json``
    last: a prefix without a manifest is an export still being written (or a dead one)."""
    for entry in manifest["files"]:
        with (folder / entry["path"]).open("rb") as handle:
            storage.stream_save(target, f"{prefix}/{entry['path']}", handle)
    with (folder / MANIFEST_NAME).open("rb") as handle:
        storage.stream_save(target, f"{prefix}/{MANIFEST_NAME}", handle)


def _record_built(
    version: ExportVersion, outcome: BuildOutcome, samples: dict[str, list[Any]]
) -> None:
    manifest = outcome.result.manifest
    summary = outcome.stats.as_dict() | {
        "samples": samples,
        "agreement": agreement_by_criterion(agreement=outcome.agreement),
    }
    with transaction.atomic():
        locked = ExportVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ExportVersion.Status.BUILDING:
            return
        locked.status = ExportVersion.Status.BUILT
        locked.manifest = manifest
        locked.counts = manifest["counts"]
        locked.split_report = manifest["split_report"]
        locked.summary = summary
        locked.built_at = timezone.now()
        locked.save()
        for project in locked.specification.projects.all():
            audit_record(
                actor=locked.created_by,
                action=AuditAction.EXPORT_VERSION_BUILT,
                obj=locked,
                project=project,
                after={"counts": locked.counts},
            )
    version.refresh_from_db()


def export_version_approve(*, version: ExportVersion, user: Any) -> ExportVersion:
    """A lead approves a built version; from now on its trainers can download it."""
    with transaction.atomic():
        locked = ExportVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ExportVersion.Status.BUILT:
            raise ExportRefused(
                _("Only a built version awaiting approval can be approved (this one is %(s)s).")
                % {"s": locked.get_status_display()}
            )
        locked.status = ExportVersion.Status.APPROVED
        locked.approved_by = user
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        for project in locked.specification.projects.all():
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_VERSION_APPROVE,
                obj=locked,
                project=project,
                before={"status": ExportVersion.Status.BUILT},
                after={
                    "status": ExportVersion.Status.APPROVED,
                    "approved_by": getattr(user, "username", None),
                    "approved_at": locked.approved_at.isoformat(),
                },
            )
    return locked
