"""How one LLM judge is configured.

The future judge-configuration model maps field for field onto :class:`JudgeSettings`; keeping
the calling layer on a plain frozen dataclass lets it run (and be tested) without a database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


class JudgeConfigError(ApplicationError):
    """A judge configuration that cannot be used as it stands; the text says what to fix."""


@dataclass(frozen=True)
class JudgeSettings:
    """One judge: which endpoint and model, how to call it, and which prompt to send.

    ``api_key_name`` is the label of one of the keys the operator configured (a variable
    ``RAPPORT_JUDGE_KEY_<NAME>``, see ``JUDGE_API_KEYS``); empty means the judge's server needs
    no key. The key itself never lives in a configuration, a log line or a stored answer: it is
    looked up at call time, so rotating it needs no database change.
    """

    name: str
    base_url: str
    model: str
    api_key_name: str
    temperature: float = 0.0
    max_tokens: int = 1024
    concurrency: int = 4
    timeout_s: float = 60.0
    max_retries: int = 3
    prompt_version: str = "v1"
    language: Language = "en"
    # Endpoints that reject ``response_format={"type": "json_schema"}`` (some vLLM or Ollama
    # builds) are called with plain text and the tolerant parser does the rest.
    use_json_schema: bool = True
    # Prices per 1,000 tokens in the account's currency; zero for a local model.
    price_prompt_per_1k: Decimal = Decimal(0)
    price_completion_per_1k: Decimal = Decimal(0)
    # The first backoff after a 5xx or timeout; it doubles per attempt up to max_backoff_s.
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    # A server may ask for a long Retry-After; a judge run should not sleep for an hour on it.
    max_retry_after_s: float = 120.0

    def __post_init__(self) -> None:
        problems = []
        if not self.name.strip():
            problems.append(_("name is empty"))
        if not self.base_url.startswith(("http://", "https://")):
            problems.append(
                _("base_url %(url)s is not an http(s) URL") % {"url": repr(self.base_url)}
            )
        if not self.model.strip():
            problems.append(_("model is empty"))
        if self.concurrency < 1:
            problems.append(
                _("concurrency must be at least 1, not %(n)s") % {"n": self.concurrency}
            )
        if self.max_tokens < 1:
            problems.append(_("max_tokens must be at least 1, not %(n)s") % {"n": self.max_tokens})
        if self.timeout_s <= 0:
            problems.append(_("timeout_s must be positive, not %(n)s") % {"n": self.timeout_s})
        if self.max_retries < 0:
            problems.append(_("max_retries cannot be negative (%(n)s)") % {"n": self.max_retries})
        if self.language not in LANGUAGES:
            problems.append(
                _("language must be one of %(languages)s, not %(language)s")
                % {"languages": ", ".join(LANGUAGES), "language": repr(self.language)}
            )
        if problems:
            raise JudgeConfigError(
                _("Judge %(name)s: %(problems)s.")
                % {"name": repr(self.name), "problems": "; ".join(problems)}
            )

    def api_key(self) -> str:
        """The operator's key of this label ("" for none); an unknown label is refused."""
        if not self.api_key_name:
            return ""
        keys = judge_api_keys()
        value = keys.get(self.api_key_name, "")
        if not value:
            raise JudgeConfigError(
                _("Judge %(name)s: %(problem)s")
                % {"name": repr(self.name), "problem": unknown_key_message(keys)}
            )
        return value

    def fingerprint(self) -> str:
        """A hash of every field that can change an answer.

        A resumed run reuses a stored answer only when item, prompt hash and this fingerprint
        match. Concurrency, timeouts, retries and prices change how answers are fetched or
        billed, not what they say, so they are left out.
        """
        material = {
            "base_url": self.base_url.rstrip("/"),
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "prompt_version": self.prompt_version,
            "language": self.language,
            "use_json_schema": self.use_json_schema,
        }
        encoded = json.dumps(material, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()

    def cost(self, *, prompt_tokens: int, completion_tokens: int) -> Decimal:
        thousand = Decimal(1000)
        return (
            Decimal(prompt_tokens) * self.price_prompt_per_1k / thousand
            + Decimal(completion_tokens) * self.price_completion_per_1k / thousand
        )


def judge_api_keys() -> dict[str, str]:
    """The operator's judge keys by label (settings.JUDGE_API_KEYS)."""
    from django.conf import settings

    return dict(getattr(settings, "JUDGE_API_KEYS", {}))


def unknown_key_message(keys: dict[str, str]) -> str:
    """The same words for every refused name, so a refusal tells nothing about the server."""
    offered = ", ".join(sorted(keys)) or _("none")
    return _(
        "the key is not one of the keys this server's operator configured for judges "
        "(available: %(offered)s)."
    ) % {"offered": offered}
