"""Periodic clean-up: idle quizzes expire, retention limits apply, departed servers' data goes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from bot.storage import Storage

DAY = 86400.0


@dataclass(frozen=True)
class Swept:
    expired_sessions: int
    purged_questions: int
    purged_sessions: int
    deleted_guilds: list[int]


async def sweep(storage: Storage, settings: Settings, now: float) -> Swept:
    swept = Swept(
        expired_sessions=await storage.expire_idle(now - settings.quiz_idle_hours * 3600, now),
        purged_questions=await storage.purge_faq_queries(settings.faq_retention_days, now)
        + await storage.purge_taught(settings.faq_retention_days, now),
        purged_sessions=await storage.purge_sessions(now),
        deleted_guilds=await storage.delete_departed_guilds(now - settings.guild_grace_days * DAY),
    )
    await storage.compact_rollups(now)  # statistics rollups: old rows no figure can reach any more
    if swept.purged_questions or swept.purged_sessions or swept.deleted_guilds:
        await storage.erase_traces()  # deleted means gone from the files too
    else:
        await storage.checkpoint()
    return swept
