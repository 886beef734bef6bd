"""Settings of the real worker processes that tests/core/test_worker.py starts.

The suite's settings run jobs inline (CELERY_TASK_ALWAYS_EAGER); a worker must not, or whatever
it sends to the broker itself (a delivery re-sent for later, see core.jobs) would run inline at
once instead of going through the broker as in production.
"""

from tests.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
