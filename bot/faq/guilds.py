"""Each server's answerer: the base one, or the base plus what that server's moderators taught.

A server's model is fitted on first use and again after each teach, in the background (the fit runs
in a child process, awaited from a thread, so the event loop never waits on it). An answer asked
while a fit runs waits for it, so a question answered after a teach always sees what was taught.
Only the MAX_MODELS most recently used servers' models stay in memory (~5 MB each); a server whose
model was dropped or is older than MAX_AGE_S (retention purges taught rows) is fitted again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.faq.answerer import FaqRetriever
from bot.storage import Storage

log = logging.getLogger(__name__)

MAX_MODELS = 8
MAX_AGE_S = 3600.0


class GuildAnswerers:
    def __init__(
        self, base: FaqRetriever, storage: Storage, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.base, self._storage, self._clock = base, storage, clock
        self._models: OrderedDict[int, tuple[float, FaqRetriever]] = OrderedDict()  # oldest use first
        self._plain: dict[int, float] = {}  # servers that taught nothing (when last checked): the base
        self._fits: dict[int, asyncio.Task[FaqRetriever]] = {}  # running, or queued behind a running one
        self._queued: dict[int, asyncio.Task[FaqRetriever]] = {}
        # One fit at a time: each is a child process of ~100 MB for about a second.
        self._one_fit = asyncio.Semaphore(1)

    async def get(self, guild_id: int | None) -> FaqRetriever:
        """The answerer for questions asked in this server (the base one in DMs)."""
        if guild_id is None:
            return self.base
        running = self._fits.get(guild_id)
        if running is not None:
            return await asyncio.shield(running)  # a member giving up must not cancel the fit
        held = self._models.get(guild_id)
        if held is not None and self._clock() - held[0] < MAX_AGE_S:
            self._models.move_to_end(guild_id)
            return held[1]
        checked = self._plain.get(guild_id)
        if checked is not None and self._clock() - checked < MAX_AGE_S:
            return self.base
        return await asyncio.shield(self.retrain(guild_id))

    def retrain(self, guild_id: int) -> asyncio.Task[FaqRetriever]:
        """Fit this server's model again from the database. Asked while a fit runs, one more fit
        follows it (however many teaches came meanwhile), so the newest examples always count."""
        queued = self._queued.get(guild_id)
        if queued is not None:
            return queued
        task = asyncio.create_task(self._fit(guild_id, self._fits.get(guild_id)))
        self._fits[guild_id] = task
        self._queued[guild_id] = task

        def finished(t: asyncio.Task[FaqRetriever]) -> None:
            if self._fits.get(guild_id) is t:
                del self._fits[guild_id]

        task.add_done_callback(finished)
        return task

    async def _fit(self, guild_id: int, previous: asyncio.Task[FaqRetriever] | None) -> FaqRetriever:
        if previous is not None:
            await asyncio.wait([previous])
        self._queued.pop(guild_id, None)  # rows taught from here on need a fit after this one
        started = self._clock()
        try:
            rows = await self._storage.taught(guild_id)
            if not rows:
                self._models.pop(guild_id, None)
                self._plain[guild_id] = started
                return self.base
            extra = [(question, label) for _, question, label in rows]
            async with self._one_fit:
                model = await asyncio.to_thread(FaqRetriever, self.base.faq, extra)
        except Exception:
            # Keep answering with what there is; the next teach, eviction or expiry tries again.
            log.exception("refitting the FAQ answerer for guild %s failed", guild_id)
            held = self._models.get(guild_id)
            return held[1] if held is not None else self.base
        self._plain.pop(guild_id, None)
        self._models[guild_id] = (started, model)
        self._models.move_to_end(guild_id)
        while len(self._models) > MAX_MODELS:
            self._models.popitem(last=False)
        return model
