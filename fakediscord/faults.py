"""Injected faults: 429/5xx on the next N matching requests, and an optional global rate limit."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .http_utils import json_response

_TEMPLATE_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def route_pattern(route: str | re.Pattern[str]) -> re.Pattern[str]:
    """A template like "/channels/{channel_id}/messages" matches whole paths; anything else is a regex."""
    if isinstance(route, re.Pattern):
        return route
    if _TEMPLATE_FIELD.search(route) or not any(ch in route for ch in "^$()[]\\*+?|"):
        parts = _TEMPLATE_FIELD.split(route)
        fields = [re.escape(p) for p in parts]
        return re.compile("^" + "[^/]+".join(fields) + "$")
    return re.compile(route)


def rate_limited(retry_after: float, *, is_global: bool, bucket: str) -> web.Response:
    """A 429 as Discord sends it; discord.py retries it only because of the `Via` header."""
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, int(retry_after + 0.999))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    body: dict[str, Any] = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    if is_global:
        body["code"] = 0
    return json_response(body, status=429, headers=headers)


@dataclass
class FaultRule:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method) and bool(self.pattern.search(path))

    def response(self) -> web.Response:
        self.remaining -= 1
        if self.status == 429:
            return rate_limited(self.retry_after, is_global=False, bucket=f"fault{id(self):x}")
        text = _STATUS_TEXT.get(self.status, "Error")
        return json_response({"message": f"{self.status}: {text}", "code": 0}, status=self.status)


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(
        self, method: str, route: str | re.Pattern[str], status: int, n: int, retry_after: float
    ) -> FaultRule:
        rule = FaultRule(method.upper(), route_pattern(route), status, n, retry_after)
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> web.Response | None:
        for rule in self.rules:
            if rule.matches(method, path):
                return rule.response()
        return None

    def pending(self) -> int:
        return sum(r.remaining for r in self.rules)


class GlobalRateLimiter:
    """Requests per second across the bot's non-interaction routes, as Discord's global limit."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def check(self, limit: int | None) -> float | None:
        """None when the request may pass, else the seconds to wait."""
        if not limit:
            return None
        now = time.monotonic()
        while self._times and now - self._times[0] >= 1.0:
            self._times.popleft()
        if len(self._times) >= limit:
            return max(0.001, 1.0 - (now - self._times[0]))
        self._times.append(now)
        return None
