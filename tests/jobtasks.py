"""A job used only by tests: counts to ``params["steps"]``, pausing ``params["pause"]`` seconds."""

import time

from core.jobs import JobError, job_task


@job_task("tests.count")
def count(job, progress):
    steps = int(job.params.get("steps", 5))
    pause = float(job.params.get("pause", 0))
    progress(0, total=steps, message="Counting", force=True)
    for step in range(1, steps + 1):
        time.sleep(pause)
        if job.params.get("fail_at") == step:
            raise JobError(f"step {step} failed on purpose")
        progress(step, message=f"Counted {step}", force=True)
    return {"counted": steps}
