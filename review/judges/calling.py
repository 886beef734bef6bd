"""One judge call: render the prompt, send it, retry what is worth retrying, read the answer.

The ``openai`` client is built with ``max_retries=0`` and this module retries instead, for two
reasons: each attempt is recorded on the answer (a lead can see that a 429 was waited out), and
a cancelled run can interrupt a retry pause instead of sleeping through it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from django.utils.translation import gettext as _
from openai import OpenAI

from review.judges.answers import JudgeAnswer, JudgeAttempt, Status
from review.judges.endpoint import JudgeSettings
from review.judges.inputs import JudgeRequest, PairwiseRequest, ScoreRequest
from review.judges.network import JudgeHostRefused, base_url_problem, judge_http_client
from review.judges.parsing import (
    AnswerInvalid,
    json_extract,
    looks_like_refusal,
    pairwise_verdict_read,
    score_verdict_read,
)
from review.judges.prompts import JudgePrompt, pairwise_prompt_render, score_prompt_render


class JudgeCancelled(Exception):
    """The run was cancelled while this request waited to retry; it produced no answer."""


def judge_client(settings: JudgeSettings) -> OpenAI:
    """A client for this judge; raises ``JudgeConfigError`` when its key or host is refused.

    Requests go through :mod:`review.judges.network`, which lets them reach only the hosts and
    addresses the operator allowed and sends the judge's own key and nothing else of the
    server's environment.
    """
    problem = base_url_problem(settings.base_url)
    if problem:
        raise JudgeHostRefused(
            _("Judge %(name)s: %(problem)s.") % {"name": repr(settings.name), "problem": problem}
        )
    key = settings.api_key()
    return OpenAI(
        base_url=settings.base_url,
        # The transport sets the Authorization header itself (none when there is no key); the
        # placeholder keeps the client from reading OPENAI_API_KEY, and the empty ids from
        # reading OPENAI_ORG_ID and OPENAI_PROJECT_ID.
        api_key=key or "no-key",
        organization="",
        project="",
        timeout=settings.timeout_s,
        max_retries=0,
        http_client=judge_http_client(api_key=key, timeout_s=settings.timeout_s),
    )


def retry_after_seconds(
    headers: Mapping[str, str], *, cap_s: float, now: datetime | None = None
) -> float | None:
    """The pause a server asked for, capped; None when it did not ask in a form we can read.

    ``retry-after-ms`` (sent by OpenAI) is more precise than ``Retry-After``, which may be a
    number of seconds or an HTTP date.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return min(max(float(millis) / 1000, 0.0), cap_s)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), cap_s)


@dataclass(frozen=True)
class _Failure:
    outcome: str
    detail: str
    retryable: bool
    wait_s: float | None = None
    body: str = ""


def _failure_classify(exc: openai.OpenAIError, settings: JudgeSettings) -> _Failure:
    if isinstance(exc, openai.APITimeoutError):
        return _Failure("timeout", f"no answer within {settings.timeout_s:g} s", True)
    if isinstance(exc, openai.APIConnectionError):
        return _Failure("connection error", str(exc), True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        wait = retry_after_seconds(exc.response.headers, cap_s=settings.max_retry_after_s)
        # The summary is the status, its reason phrase and the error's short code, never text
        # from the body: whatever answered may be an internal service the body would reveal.
        # The raw body is kept for staff to diagnose (judge pages show it to staff only).
        reason = exc.response.reason_phrase or ""
        code = _error_code(exc.body)
        detail = " ".join(
            part for part in (f"HTTP {status}", reason, f"({code})" if code else "") if part
        )
        # 408 and 429 ask to come back later and 5xx is a server-side hiccup: all may pass.
        # Any other 4xx (bad request, wrong key, unknown model) will fail the same way again.
        retryable = status in (408, 429) or status >= 500
        return _Failure(f"http {status}", detail, retryable, wait, _body_text(exc)[:5000])
    return _Failure("client error", str(exc), False)


SHORT_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,40}")


def _error_code(body: object) -> str:
    """The machine-readable code of an OpenAI-style error ("invalid_api_key"), if it has one."""
    if not isinstance(body, dict):
        return ""
    for key in ("code", "type"):
        value = body.get(key)
        if isinstance(value, str) and SHORT_CODE.fullmatch(value):
            return value
    return ""


def _body_text(exc: openai.APIStatusError) -> str:
    try:
        return exc.response.text
    except Exception:  # a streamed or already-closed body has no text to give
        return ""


def _backoff(settings: JudgeSettings, number: int) -> float:
    return float(min(settings.backoff_s * 2 ** (number - 1), settings.max_backoff_s))


def prompt_render(*, request: JudgeRequest, settings: JudgeSettings) -> JudgePrompt:
    if isinstance(request, ScoreRequest):
        return score_prompt_render(
            request=request, version=settings.prompt_version, language=settings.language
        )
    return pairwise_prompt_render(
        request=request, version=settings.prompt_version, language=settings.language
    )


def judge_call(
    *,
    client: OpenAI,
    settings: JudgeSettings,
    request: JudgeRequest,
    stop: threading.Event | None = None,
) -> JudgeAnswer:
    """Ask the judge about one item; always returns an answer, unless cancelled mid-retry."""
    prompt = prompt_render(request=request, settings=settings)
    arguments: dict[str, Any] = {
        "model": settings.model,
        "messages": [dict(message) for message in prompt.messages],
        "temperature": settings.temperature,
        # max_tokens rather than max_completion_tokens: it is the one vLLM, Ollama and the
        # hosted APIs all accept.
        "max_tokens": settings.max_tokens,
    }
    if settings.use_json_schema:
        arguments["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": f"rapport_{prompt.kind}",
                "schema": prompt.schema,
                "strict": True,
            },
        }
    base = _AnswerBase(request=request, settings=settings, prompt=prompt)
    attempts: list[JudgeAttempt] = []
    started = time.monotonic()
    last = settings.max_retries + 1
    for number in range(1, last + 1):
        sent = time.monotonic()
        try:
            completion = client.chat.completions.create(**arguments)
        except openai.OpenAIError as exc:
            failure = _failure_classify(exc, settings)
        except JudgeHostRefused as exc:
            # The transport refused the address the host resolved to: asking again cannot help.
            failure = _Failure("refused", str(exc), False)
        else:
            attempts.append(JudgeAttempt(number, "answered", "", latency_s=time.monotonic() - sent))
            return base.from_completion(completion, attempts, time.monotonic() - started)
        will_retry = failure.retryable and number < last
        wait = 0.0
        if will_retry:
            wait = failure.wait_s if failure.wait_s is not None else _backoff(settings, number)
        attempts.append(
            JudgeAttempt(
                number, failure.outcome, failure.detail, time.monotonic() - sent, waited_s=wait
            )
        )
        if not will_retry:
            break
        if stop is not None:
            if stop.wait(wait):
                raise JudgeCancelled(request.key)
        else:
            time.sleep(wait)
    tried = f"after {len(attempts)} attempt{'s' if len(attempts) > 1 else ''}"
    return base.make(
        status="error",
        raw_text=failure.body,
        error=f"{attempts[-1].detail} ({tried})",
        attempts=attempts,
        latency_s=time.monotonic() - started,
    )


@dataclass(frozen=True)
class _AnswerBase:
    request: JudgeRequest
    settings: JudgeSettings
    prompt: JudgePrompt

    def make(
        self, *, status: Status, attempts: list[JudgeAttempt], latency_s: float, **fields: Any
    ) -> JudgeAnswer:
        tokens = (fields.get("prompt_tokens", 0), fields.get("completion_tokens", 0))
        return JudgeAnswer(
            key=self.request.key,
            kind=self.prompt.kind,
            status=status,
            prompt_version=self.prompt.version,
            language=self.prompt.language,
            template_hash=self.prompt.template_hash,
            prompt_hash=self.prompt.prompt_hash,
            settings_fingerprint=self.settings.fingerprint(),
            attempts=tuple(attempts),
            latency_s=latency_s,
            cost=self.settings.cost(prompt_tokens=tokens[0], completion_tokens=tokens[1]),
            swapped=isinstance(self.request, PairwiseRequest) and self.request.swapped,
            **fields,
        )

    def from_completion(
        self, completion: Any, attempts: list[JudgeAttempt], latency_s: float
    ) -> JudgeAnswer:
        usage = getattr(completion, "usage", None)
        common: dict[str, Any] = {
            "attempts": attempts,
            "latency_s": latency_s,
            "prompt_tokens": getattr(usage, "prompt_tokens", 0) or 0,
            "completion_tokens": getattr(usage, "completion_tokens", 0) or 0,
            "model": getattr(completion, "model", "") or "",
        }
        choices = getattr(completion, "choices", None) or []
        if not choices:
            return self.make(
                status="unparsable", raw_text="", error="the answer has no choices", **common
            )
        message = choices[0].message
        content = message.content or ""
        finish = choices[0].finish_reason or ""
        common["finish_reason"] = finish
        refusal = getattr(message, "refusal", None)
        if refusal:
            raw = refusal if not content else f"{refusal}\n\n{content}"
            return self.make(status="refused", raw_text=raw, error="the judge refused", **common)
        if finish == "content_filter":
            return self.make(
                status="refused",
                raw_text=content,
                error="the endpoint's content filter stopped the answer",
                **common,
            )
        try:
            data = json_extract(content)
        except AnswerInvalid as exc:
            # Refusal wording only counts when there is no JSON at all: a rationale that begins
            # "I cannot find an agenda" inside a scored object is not a refusal.
            if looks_like_refusal(content):
                return self.make(
                    status="refused", raw_text=content, error="the judge declined", **common
                )
            return self._unparsable(exc, content, finish, common)
        try:
            verdict = self._read(data)
        except AnswerInvalid as exc:
            return self._unparsable(exc, content, finish, common)
        return self.make(status="ok", raw_text=content, error="", **verdict, **common)

    def _unparsable(
        self, exc: AnswerInvalid, content: str, finish: str, common: dict[str, Any]
    ) -> JudgeAnswer:
        reason = str(exc)
        if finish == "length":
            reason += f" (the answer was cut off at max_tokens={self.settings.max_tokens})"
        return self.make(status="unparsable", raw_text=content, error=reason, **common)

    def _read(self, data: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self.request, ScoreRequest):
            score = score_verdict_read(data=data, rubric=self.request.rubric)
            return {"scores": score.scores, "rationales": score.rationales}
        pair = pairwise_verdict_read(data=data, rubric=self.request.rubric)
        return {"choice": pair.choice, "rationale": pair.rationale, "preferences": pair.preferences}
