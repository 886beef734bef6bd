"""`make run` / `make demo` (manage.py demo_serve) stop within seconds, all of it, whether the
terminal's Ctrl-C reaches the launcher's whole process group or a TERM reaches the launcher.

The launcher runs for real: a subprocess on a free port with its own SQLite database and queue
folder in a temporary directory, serving pages and running a worker, as a developer starts it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN = 10.0


def _environment(var: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        RAPPORT_VAR_DIR=str(var),
        CELERY_FILESYSTEM_DIR=str(var / "celery" / "queue"),
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("demo-var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_environment(var),
        check=True,
        timeout=600,
    )
    return var


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children() -> dict[int, int]:
    """Every process's parent, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http only)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def launcher(migrated: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    var = tmp_path / "var"
    shutil.copytree(migrated, var)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo_serve", f"127.0.0.1:{port}", "--workers=1"],
        cwd=ROOT,
        env=_environment(var),
        start_new_session=True,  # a terminal's own process group, which Ctrl-C signals whole
    )
    # Up when the page answers and the worker's pool and runserver's reloader child exist.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"demo_serve ended by itself ({process.returncode})")
        if (
            _answers(f"http://127.0.0.1:{port}/accounts/login/")
            and len(_descendants(process.pid)) >= 4
        ):
            break
        time.sleep(0.5)
    else:
        pytest.fail("demo_serve did not come up")
    time.sleep(1)
    try:
        yield process, port
    finally:
        for pid in _descendants(process.pid) | {process.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def _assert_all_stop(process: subprocess.Popen[bytes], port: int, send) -> None:  # type: ignore[no-untyped-def]
    everyone = _descendants(process.pid) | {process.pid}
    commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in everyone}
    assert any(b"celery" in command for command in commands.values())
    assert any(b"runserver" in command for command in commands.values())
    started = time.monotonic()
    send()
    process.wait(timeout=STOP_WITHIN + 5)
    while time.monotonic() - started < STOP_WITHIN and any(_running(pid) for pid in everyone):
        time.sleep(0.1)
    took = time.monotonic() - started
    left = [commands[pid].replace(b"\0", b" ").decode() for pid in everyone if _running(pid)]
    assert left == [], f"still running after {took:.1f} s"
    assert took < STOP_WITHIN
    assert not _answers(f"http://127.0.0.1:{port}/accounts/login/")


def test_a_term_to_the_launcher_stops_the_web_app_and_the_worker(launcher) -> None:  # type: ignore[no-untyped-def]
    process, port = launcher
    _assert_all_stop(process, port, lambda: process.send_signal(signal.SIGTERM))


def test_ctrl_c_to_the_whole_process_group_stops_everything(launcher) -> None:  # type: ignore[no-untyped-def]
    process, port = launcher
    _assert_all_stop(process, port, lambda: os.killpg(process.pid, signal.SIGINT))
