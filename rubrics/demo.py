"""Demo step: the built-in rubrics, so the demo project can be reviewed against them."""

from __future__ import annotations

from core.demo import DemoContext
from rubrics.services import rubrics_load_builtin


def demo_setup(context: DemoContext) -> None:
    outcomes = rubrics_load_builtin()
    created = sum(outcome.created for outcome in outcomes)
    context.log(f"Rubrics: {created} loaded, {len(outcomes) - created} already there")
