"""The web app and a background worker together, stopped together within seconds.

A shell that starts both and traps Ctrl-C cannot do this: Ctrl-C reaches every process of the
terminal's group at once (the worker's pool as well as its main process), and runserver's
autoreloader keeps the shell from running its trap. Here each child runs in its own process
group, so only this launcher hears the terminal; it asks both to stop, gives the worker a few
seconds to finish what it is doing (a warm shutdown), then stops it cold (SIGQUIT) and, last,
kills what is left. A job cut short that way is not lost: tasks are acknowledged only when they
end (CELERY_TASK_ACKS_LATE), and a job left "running" is marked failed, to be retried, by
``jobs_reap``, which this launcher runs before it starts the worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from core.jobs import jobs_reap

# After the warm grace, a cold shutdown gets this long before everything left is killed.
COLD_GRACE_SECONDS = 2.0


def _alive(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)


class Command(BaseCommand):
    help = (
        "Serve Rapport and run a background worker; Ctrl-C or SIGTERM stops both within a few "
        "seconds (`make run` and `make demo` use this)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000", help="HOST:PORT")
        parser.add_argument("--workers", type=int, default=2, help="the worker's concurrency")
        parser.add_argument(
            "--grace",
            type=float,
            default=3.0,
            help="seconds the worker may take to finish its running tasks when asked to stop",
        )
        parser.add_argument(
            "--noreload", action="store_true", help="do not restart the web app on code changes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for job in jobs_reap():
            self.stdout.write(f"job {job.pk} ({job.kind}) had stopped; marked failed to retry")
        stopping: list[int] = []

        def ask_to_stop(number: int, _frame: FrameType | None) -> None:
            stopping.append(number)

        signal.signal(signal.SIGINT, ask_to_stop)
        signal.signal(signal.SIGTERM, ask_to_stop)
        children = [self._worker(options), self._web(options)]
        try:
            while not stopping and all(_alive(child) for child in children):
                time.sleep(0.2)
        finally:
            self._stop(*children, grace=options["grace"])
        if not stopping:
            raise SystemExit(1)  # a child ended by itself: say so to make

    def _start(self, command: list[str]) -> subprocess.Popen[bytes]:
        # The commands are this interpreter and this project's manage.py, never user input.
        return subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603

    def _worker(self, options: dict[str, Any]) -> subprocess.Popen[bytes]:
        return self._start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--concurrency={options['workers']}",
                "--loglevel=WARNING",
                # Nothing to agree with other workers on a developer's machine; these only
                # slow starting and stopping.
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ]
        )

    def _web(self, options: dict[str, Any]) -> subprocess.Popen[bytes]:
        command = [sys.executable, "manage.py", "runserver", options["address"]]
        if options["noreload"]:
            command.append("--noreload")
        return self._start(command)

    def _stop(
        self, worker: subprocess.Popen[bytes], web: subprocess.Popen[bytes], *, grace: float
    ) -> None:
        # The worker's main process alone: it tells its pool. runserver's whole group: the
        # autoreloader and the server it runs.
        if _alive(worker):
            worker.send_signal(signal.SIGTERM)
        _signal_group(web, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(worker):
            self.stdout.write("The worker is still busy; stopping it now (its job can be retried).")
            worker.send_signal(signal.SIGQUIT)
        deadline = time.monotonic() + COLD_GRACE_SECONDS
        while (_alive(worker) or _alive(web)) and time.monotonic() < deadline:
            time.sleep(0.1)
        for child in (worker, web):
            _signal_group(child, signal.SIGKILL)  # pool processes or a reloader left behind
            child.wait()
