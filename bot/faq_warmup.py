"""The FAQ answerer while it is fitted in the background, so the bot connects without waiting for it.

Fitting runs scikit-learn in a child process (bot/faq/answerer.py) and takes a second or more (tens of
milliseconds when the fitted model is in the cache directory); the gateway connection and every other
command do not need it. Until it is ready, questions get a short "warming up" reply (FaqNotReady,
answered in bot/client.py), autocomplete and a quiz result's FAQ links fall back to the content alone,
and everything else waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.content import Faq, FaqEntry
from bot.faq import FaqRetriever, Match

log = logging.getLogger("careerbot.faq")

WARMING = "I'm still warming up my FAQ answers: please ask again in a few seconds."
UNAVAILABLE = (
    "FAQ answers are unavailable right now; the quiz and `/faq` topics still work. Please try later."
)


def release_freed_memory() -> None:
    """Hand the memory the fit freed (the child's output, parsing buffers) back to the system: glibc
    keeps freed blocks in the fitting thread's arena otherwise, ~2 MiB of idle RSS. No-op elsewhere."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
        ctypes.CDLL(None).malloc_trim(0)


class FaqNotReady(Exception):
    """A free-text question arrived before the answerer is fitted (or after fitting failed)."""


class WarmingFaq(FaqRetriever):
    """A FaqRetriever that is fitted by ``warm()``; stands in for it from the start.

    Public methods delegate to the fitted answerer once it exists; anything else asked of it before
    then (a method added to FaqRetriever later) raises FaqNotReady instead of misbehaving."""

    def __init__(self, faq: Faq, fit: Callable[[Faq], FaqRetriever] = FaqRetriever) -> None:
        # No super().__init__: that is the fit, which warm() runs. ``fit`` is injectable so a test can
        # hold the answerer back and see what members get meanwhile.
        self.faq, self._fit = faq, fit
        self.entries = list(faq.entries)
        self.threshold = faq.decline_below
        self._fitted: FaqRetriever | None = None
        self._failed = False
        self._done = asyncio.Event()

    async def warm(self) -> None:
        """Fit off the event loop; the bot keeps serving meanwhile. A failure is logged once."""
        try:
            self._fitted = await asyncio.to_thread(self._fit_and_release)
            log.info("FAQ answerer ready")
        except Exception:
            self._failed = True
            log.exception("FAQ answerer could not be fitted; free-text questions get a polite refusal")
        finally:
            self._done.set()

    def _fit_and_release(self) -> FaqRetriever:
        fitted = self._fit(self.faq)
        release_freed_memory()
        return fitted

    async def wait_warm(self) -> None:
        await self._done.wait()

    @property
    def ready(self) -> bool:
        return self._fitted is not None

    def _model(self) -> FaqRetriever:
        if self._fitted is None:
            raise FaqNotReady(UNAVAILABLE if self._failed else WARMING)
        return self._fitted

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this object lacks (the fitted model's internals).
        if name.startswith("__") or name in ("_fitted", "_failed", "_done", "_fit"):
            raise AttributeError(name)  # copy/pickle probes, or a half-built object: no recursion
        return getattr(self._model(), name)

    def ask(self, question: str) -> Match:
        return self._model().ask(question)

    def nearest(self, question: str, limit: int = 3) -> tuple[FaqEntry, ...]:
        return self._model().nearest(question, limit)

    def entry_scores(self, text: str) -> dict[str, float]:
        return self._model().entry_scores(text)

    def autocomplete(self, prefix: str, limit: int = 25) -> list[FaqEntry]:
        if self._fitted is not None:
            return self._fitted.autocomplete(prefix, limit)
        wanted = prefix.casefold().strip()
        return [e for e in self.entries if wanted in f"{e.question} {e.topic}".casefold()][:limit]

    def related(self, track: str, terms: Sequence[str], limit: int = 3) -> list[FaqEntry]:
        if self._fitted is not None:
            return self._fitted.related(track, terms, limit)
        # Without the model: the entries about this track alone first, then the shared ones.
        pool = [e for e in self.entries if track in e.related_tracks]
        return sorted(pool, key=lambda e: len(e.related_tracks))[:limit]
