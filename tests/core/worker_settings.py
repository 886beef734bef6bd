"""Settings of the real worker processes that tests/core/test_worker.py starts.

The suite's settings run jobs inline (CELERY_TASK_ALWAYS_EAGER); a worker must not, or whatever
it sends to the broker itself (a delivery re-sent for later, see core.jobs) would run inline at
once instead of going through the broker as in production.
"""

import os
from pathlib import Path

from tests.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False

# Another host's own disk, when the test that starts this process gives one.
if os.environ.get("TEST_HOST_MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["TEST_HOST_MEDIA_ROOT"])
    EXPORTS_ROOT = MEDIA_ROOT / "exports"
# The queue of the test's own worker, so that a web process it starts sends its jobs there.
if os.environ.get("TEST_QUEUE"):
    CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_QUEUE"]
