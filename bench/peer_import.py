"""The same generated sessions imported into Label Studio and into Rapport, side by side.

Label Studio is not one of Rapport's dependencies: install it into a virtualenv of its own and
pass its path (see docs/performance.md):

    python -m venv /tmp/ls && /tmp/ls/bin/pip install label-studio
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/peer_import.py --label-studio-venv /tmp/ls --sessions 30000

The script starts Label Studio on a free loopback port with a data folder of its own (its
default SQLite database), creates a project through its REST API and imports the sessions as a
task list (one task a session, its turns as a dialogue of ``Paragraphs``). Then it imports the
same sessions, as a ``messages`` JSONL file, into Rapport through the import service the upload
page uses, in a fresh process (bench/import.py's child). It prints both wall times and CPU
seconds: for Label Studio its whole server process tree, read from /proc; for Rapport the
importing process and its PostgreSQL backend. Label Studio is stopped afterwards.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
assert _spec
assert _spec.loader
bench_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_import)

LABEL_CONFIG = """<View>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" nameKey="author" textKey="text"/>
  <Choices name="quality" toName="dialogue"><Choice value="good"/><Choice value="bad"/></Choices>
</View>"""


def sessions_generate(count: int, *, seed: int = 7) -> list[list[tuple[str, str]]]:
    """``count`` sessions of 20 turns in the vocabulary of bench/import.py, counselor first."""
    rng = random.Random(seed)
    return [
        [
            ("counselor" if turn % 2 == 0 else "client", bench_import._utterance(rng))
            for turn in range(bench_import.TURNS_PER_SESSION)
        ]
        for _number in range(count)
    ]


def messages_write(path: Path, sessions: list[list[tuple[str, str]]]) -> None:
    role = {"client": "user", "counselor": "assistant"}
    with path.open("w", encoding="utf-8") as out:
        for number, turns in enumerate(sessions):
            record = {
                "id": f"peer-{number}",
                "messages": [{"role": role[s], "content": text} for s, text in turns],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def tasks_write(path: Path, sessions: list[list[tuple[str, str]]]) -> None:
    tasks = [
        {
            "data": {
                "id": f"peer-{number}",
                "dialogue": [{"author": speaker, "text": text} for speaker, text in turns],
            }
        }
        for number, turns in enumerate(sessions)
    ]
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")


# --- Label Studio ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_cpu_seconds(root: int) -> float:
    """CPU of the live tree, plus what its processes' reaped children used (cutime, cstime)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / ticks
    return total


class LabelStudio:
    def __init__(self, venv: Path, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(20)
        password = secrets.token_urlsafe(16)
        env = {
            **os.environ,
            "LABEL_STUDIO_BASE_DATA_DIR": str(folder / "data"),
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "DJANGO_DB": "sqlite",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "COLLECT_ANALYTICS": "false",
        }
        self.log = (folder / "label-studio.log").open("w")
        self.process = subprocess.Popen(
            [
                str(venv / "bin" / "label-studio"),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(folder / "data"),
                "--username",
                "bench@example.com",
                "--password",
                password,
                "--user-token",
                self.token,
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def request(self, method: str, path: str, body: bytes | None = None) -> Any:
        # Only ever the loopback address of the server this script started.
        request = urllib.request.Request(  # noqa: S310
            self.base + path,
            data=body,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"Label Studio exited ({self.process.returncode}); see its log")
            try:
                self.request("GET", "/api/projects")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        raise SystemExit("Label Studio did not answer within the time allowed")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def label_studio_import(venv: Path, folder: Path, tasks: Path, count: int) -> dict[str, Any]:
    studio = LabelStudio(venv, folder)
    try:
        studio.wait_ready()
        project = studio.request(
            "POST",
            "/api/projects",
            json.dumps({"title": "peer bench", "label_config": LABEL_CONFIG}).encode(),
        )
        body = tasks.read_bytes()
        cpu_before = tree_cpu_seconds(studio.process.pid)
        started = time.perf_counter()
        answer = studio.request("POST", f"/api/projects/{project['id']}/import", body)
        # Imports may finish in the background: wait until the project holds every task.
        while True:
            stored = studio.request("GET", f"/api/projects/{project['id']}")
            if int(stored.get("task_number") or 0) >= count:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        cpu = tree_cpu_seconds(studio.process.pid) - cpu_before
        return {
            "seconds": seconds,
            "cpu": cpu,
            "tasks": int(stored.get("task_number") or 0),
            "answer": {k: answer.get(k) for k in ("task_count", "duration")}
            if isinstance(answer, dict)
            else answer,
            "load": bench_import.load_text(),
        }
    finally:
        studio.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--label-studio-venv", type=Path, required=True)
    parser.add_argument("--sessions", type=int, default=30_000)
    args = parser.parse_args()
    if not (args.label_studio_venv / "bin" / "label-studio").exists():
        print(f"No label-studio in {args.label_studio_venv}/bin; see the module docstring.")
        return 2
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        print("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
        return 2
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env={**os.environ, "DEBUG": "1"},
    )
    print(f"start: {bench_import.load_text()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="rapport-peer-") as name:
        folder = Path(name)
        sessions = sessions_generate(args.sessions)
        tasks, messages = folder / "tasks.json", folder / "sessions.jsonl"
        tasks_write(tasks, sessions)
        messages_write(messages, sessions)
        del sessions
        studio = label_studio_import(args.label_studio_venv, folder, tasks, args.sessions)
        print(
            f"Label Studio: {studio['tasks']:,} tasks in {studio['seconds']:.2f} s; CPU of its "
            f"server process tree {studio['cpu']:.2f} s; {studio['load']}",
            flush=True,
        )
        rapport = bench_import._child("import", messages, {})
        together = rapport["cpu"] + rapport["backend_cpu"]
        print(
            f"Rapport: {rapport['sessions']:,} sessions, {rapport['turns']:,} turns; browsable "
            f"in {rapport['browsable']:.2f} s, search complete in {rapport['searchable']:.2f} s; "
            f"CPU: import process {rapport['cpu']:.2f} s + PostgreSQL backend "
            f"{rapport['backend_cpu']:.2f} s = {together:.2f} s; {rapport['load']}",
            flush=True,
        )
        print(
            f"CPU, Rapport / Label Studio: {together / studio['cpu']:.2f}; wall (search "
            f"complete) {rapport['searchable'] / studio['seconds']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
