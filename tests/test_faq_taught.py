"""Taught FAQ examples in storage and in each server's answerer, on SQLite and PostgreSQL: stored
without members, kept as long as FAQ text, gone with their server, and learned by that server only."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.content import Content
from bot.faq import FaqService
from bot.faq.answerer import FaqRetriever
from bot.housekeeping import sweep
from bot.storage import Storage
from tests.conftest import make_settings

DAY = 86400.0
LAGOS = "whats the vibe of the ai job scene in lagos"


async def test_taught_rows_follow_retention_and_go_with_their_server(
    database: Path | str, tmp_path: Path
) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        now = time.time()
        await storage.update_guild_settings(1, now, faq_retention_days=7)
        for guild, age, label in ((1, 3, "where-jobs"), (1, 10, "none"), (2, 10, "none"), (2, 100, "switch")):
            await storage.add_taught(guild, f"q{guild}-{age}", label, now - age * DAY)
        assert await storage.taught_counts(1) == {"none": 1, "where-jobs": 1}
        assert [g for g, _, _ in await storage.taught()] == [1, 1, 2, 2]
        swept = await sweep(storage, make_settings(None, tmp_path), now)
        # Guild 1 keeps 7 days; guild 2 the 90-day default, as FAQ question text does.
        assert swept.purged_questions == 2
        assert await storage.taught() == [(1, "q1-3", "where-jobs"), (2, "q2-10", "none")]
        await storage.delete_guild_in_batches(2)
        assert await storage.taught() == [(1, "q1-3", "where-jobs")]
    finally:
        await storage.close()


async def test_a_teach_retrains_only_its_server_and_many_teaches_coalesce(
    database: Path | str, content: Content
) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        service = FaqService(FaqRetriever(content.faq), storage)
        assert (await service.answer(LAGOS, 1)).declined
        first = await service.teach(1, LAGOS, "where-jobs")
        # Taught while the first fit may still run: one more fit follows, whichever comes.
        second = await service.teach(1, "can you review my github", "none")
        third = await service.teach(1, "can u look at my cv", "none")
        assert third is second or first is second
        await asyncio.gather(first, second, third)
        got = await service.answer(LAGOS, 1)
        assert got.entry is not None and got.entry.id == "where-jobs"
        assert (await service.answer("can you review my github", 1)).declined
        assert (await service.answer(LAGOS, 2)).declined  # another server learned nothing
        assert (await service.answer(LAGOS, None)).declined  # nor did DMs
        rows = await storage.taught(1)
        assert [label for _, _, label in rows] == ["where-jobs", "none", "none"]
    finally:
        await storage.close()
