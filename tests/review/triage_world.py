"""A project whose items carry judge signals of known uncertainty, for the triage tests."""

from __future__ import annotations

from review.models import JudgeConfig, JudgeItemSignal, JudgeRun


def judge_with_signals(project, uncertainties: dict, *, name: str = "triage judge", scores=None):
    """One finished run of a judge with the given uncertainty on each item (None: no answer)."""
    config = JudgeConfig.objects.create(
        project=project, name=name, base_url="http://127.0.0.1:9/v1", model="m", api_key_name=""
    )
    run = JudgeRun.objects.create(config=config, status=JudgeRun.Status.SUCCEEDED)
    for item, uncertainty in uncertainties.items():
        if uncertainty is None:
            JudgeItemSignal.objects.create(run=run, item=item, n_failed=1, uncertainty=0)
            continue
        score = (scores or {}).get(item, 0.5)
        JudgeItemSignal.objects.create(
            run=run, item=item, n_ok=1, score=score, spread=0, uncertainty=uncertainty
        )
    return run
