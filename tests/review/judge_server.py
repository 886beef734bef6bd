"""A scripted OpenAI-compatible chat-completions server for judge tests and the judge bench.

It serves ``POST /v1/chat/completions`` on 127.0.0.1 from a thread, so the tests can run the
real ``openai`` client against it. Each request gets a behaviour, chosen in this order:

1. the next behaviour queued for a marker that appears in the request's messages
   (``server.script(Fail(500), marker="item-3")``),
2. the next behaviour in the general queue (``server.script(Fail(429, retry_after="1"))``),
3. ``server.responder(body)`` if set (a function of the request body),
4. a well-formed answer built from the request's JSON schema.

Behaviours: :class:`Reply` (a 200 answer: given content, a refusal, or a valid answer made up
from the schema), :class:`Fail` (an HTTP error, optionally with Retry-After) and
:class:`Stall` (hold the connection longer than the client waits). Every request is recorded
with its arrival and finish times, and the server keeps a time-weighted count of requests in
flight for the concurrency assertions and the bench.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from review.judges.endpoint import JudgeSettings


@dataclass(frozen=True)
class Reply:
    """A 200 answer. ``content=None`` and no refusal: a valid answer made from the schema."""

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    delay_s: float | None = None
    prompt_tokens: int = 120
    completion_tokens: int = 30


@dataclass(frozen=True)
class Fail:
    status: int
    retry_after: str | None = None
    message: str = "scripted failure"
    delay_s: float | None = None


@dataclass(frozen=True)
class Stall:
    """Keep the client waiting ``seconds`` before answering; used to trip its timeout."""

    seconds: float


Behaviour = Reply | Fail | Stall


@dataclass
class Recorded:
    body: dict[str, Any]
    headers: dict[str, str]
    behaviour: Behaviour
    received: float
    finished: float = 0.0


def answer_from_schema(schema: dict[str, Any]) -> Any:
    """The simplest value the schema accepts: the first enum value, a string, an object."""
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds:
        return {name: answer_from_schema(sub) for name, sub in schema["properties"].items()}
    if "integer" in kinds:
        return 0
    return "scripted rationale"


@dataclass
class _Flight:
    """Time-weighted count of requests being handled."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    peak: int = 0
    area: float = 0.0
    first: float | None = None
    last_change: float = 0.0
    last_end: float = 0.0

    def change(self, by: int) -> None:
        with self.lock:
            moment = time.monotonic()
            if self.first is None:
                self.first = moment
            else:
                self.area += self.now * (moment - self.last_change)
            self.last_change = moment
            self.now += by
            self.peak = max(self.peak, self.now)
            if by < 0:
                self.last_end = moment


class JudgeServer:
    def __init__(self, *, default_delay_s: float = 0.0) -> None:
        self.default_delay_s = default_delay_s
        self.responder: Callable[[dict[str, Any]], Behaviour] | None = None
        self.requests: list[Recorded] = []
        self._queue: deque[Behaviour] = deque()
        self._marked: dict[str, deque[Behaviour]] = {}
        self._lock = threading.Lock()
        self._flight = _Flight()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> JudgeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, *behaviours: Behaviour, marker: str | None = None) -> None:
        with self._lock:
            if marker is None:
                self._queue.extend(behaviours)
            else:
                self._marked.setdefault(marker, deque()).extend(behaviours)

    @property
    def max_in_flight(self) -> int:
        return self._flight.peak

    def average_in_flight(self) -> float:
        """Mean number of requests in flight from the first arrival to the last answer."""
        flight = self._flight
        with flight.lock:
            if flight.first is None or flight.last_end <= flight.first:
                return 0.0
            return flight.area / (flight.last_end - flight.first)

    def _choose(self, body: dict[str, Any]) -> Behaviour:
        text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        with self._lock:
            for marker, queue in self._marked.items():
                if queue and marker in text:
                    return queue.popleft()
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply()

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        content = reply.content
        if content is None and reply.refusal is None:
            schema = body.get("response_format", {}).get("json_schema", {}).get("schema")
            if schema is None:
                raise ValueError("no schema in the request: script the Reply's content")
            content = json.dumps(answer_from_schema(schema))
        return {
            "id": f"chatcmpl-test-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": reply.refusal},
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }


class _Server(ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections when a run opens many at once.
    request_queue_size = 128


def _handler_for(server: JudgeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as a real endpoint offers, so the client's connection pool is exercised.
        protocol_version = "HTTP/1.1"
        # Without TCP_NODELAY the headers and body of a keep-alive answer wait on the
        # client's delayed ACK: about 40 ms per request, a fifth of the bench's 200 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(raw)
            behaviour = server._choose(body)
            record = Recorded(body, dict(self.headers.items()), behaviour, time.monotonic())
            with server._lock:
                server.requests.append(record)
            server._flight.change(+1)
            try:
                self._serve(body, behaviour)
            finally:
                record.finished = time.monotonic()
                server._flight.change(-1)

        def _serve(self, body: dict[str, Any], behaviour: Behaviour) -> None:
            if isinstance(behaviour, Stall):
                if server._closing.wait(behaviour.seconds):
                    return
                behaviour = Reply(delay_s=0)
            delay = behaviour.delay_s if behaviour.delay_s is not None else server.default_delay_s
            if delay and server._closing.wait(delay):
                return
            if isinstance(behaviour, Fail):
                headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                error = {"message": behaviour.message, "type": "scripted", "code": None}
                self._send(behaviour.status, {"error": error}, headers)
                return
            self._send(200, server._completion(body, behaviour))

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a Stall past its timeout); nothing to answer

    return Handler


# Fixtures live here rather than in tests/review/conftest.py so the judge tests stay
# self-contained; a test module imports them by name (see tests/review/test_judge_calls.py).
KEY_NAME = "test"
KEY = "sk-test-not-a-real-key"


@pytest.fixture(name="judge_server")
def judge_server_fixture() -> Iterator[JudgeServer]:
    server = JudgeServer().start()
    yield server
    server.stop()


@pytest.fixture(name="judge_key")
def judge_key_fixture(settings: Any) -> str:
    """The operator has configured the test key (as RAPPORT_JUDGE_KEY_TEST would)."""
    settings.JUDGE_API_KEYS = {KEY_NAME: KEY}
    return KEY_NAME


def settings_for(server: JudgeServer, **overrides: Any) -> JudgeSettings:
    """Settings pointing at the test server, with pauses short enough for a test suite."""
    values: dict[str, Any] = {
        "name": "test judge",
        "base_url": server.url,
        "model": "judge-model-1",
        "api_key_name": KEY_NAME,
        "temperature": 0.0,
        "max_tokens": 400,
        "concurrency": 4,
        "timeout_s": 2.0,
        "max_retries": 2,
        "backoff_s": 0.05,
        "max_backoff_s": 0.2,
    }
    values.update(overrides)
    return JudgeSettings(**values)
