"""The FAQ answerer bound to storage: every question asked is recorded, votes point at it, and
moderators' taught examples retrain their own server's answerer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.content import NONE_LABEL, FaqEntry
from bot.faq.answerer import FaqRetriever, Match
from bot.faq.guilds import GuildAnswerers
from bot.member_text import member_text, without_mentions
from bot.storage import Storage

STORED_MAX = 1000  # question text kept for moderators; longer is truncated, never rejected


class TeachError(ValueError):
    """A teach the answerer cannot take; the message is safe to show the moderator."""


class FaqService:
    def __init__(self, retriever: FaqRetriever, storage: Storage, *, clock: Callable[[], float] = time.time):
        self.retriever, self.storage, self.clock = retriever, storage, clock
        self.answerers = GuildAnswerers(retriever, storage)

    async def answer(self, question: str, guild_id: int | None) -> Match:
        """This server's answer (its taught examples included), without storing anything."""
        return (await self.answerers.get(guild_id)).ask(question)

    async def ask(
        self, question: str, *, user_id: int, guild_id: int | None, source: str
    ) -> tuple[Match, int]:
        """Answer or decline, and store the question with what it matched (the best candidate if declined)."""
        match = await self.answer(question, guild_id)
        return match, await self.record(question, match, user_id=user_id, guild_id=guild_id, source=source)

    async def record(
        self, question: str, match: Match, *, user_id: int, guild_id: int | None, source: str
    ) -> int:
        """Store a question already answered (callers that must know the outcome before replying)."""
        best = match.entry or match.candidate
        return await self.storage.record_faq_query(
            user_id=user_id,
            guild_id=guild_id,
            question=without_mentions(question)[:STORED_MAX],  # nobody's id in moderators' review
            entry_id=best.id,
            score=match.score,
            declined=match.declined,
            source=source,
            now=self.clock(),
        )

    async def chosen(self, entry: FaqEntry, *, user_id: int, guild_id: int | None) -> int:
        """A topic picked from a button or the menu counts as asking its canonical question."""
        return await self.storage.record_faq_query(
            user_id=user_id,
            guild_id=guild_id,
            question=entry.question,
            entry_id=entry.id,
            score=1.0,
            declined=False,
            source="button",
            now=self.clock(),
        )

    async def vote(
        self, *, user_id: int, entry_id: str, guild_id: int | None, up: bool, query_id: int
    ) -> None:
        """Record 👍/👎. The question is linked only when it was asked where the vote happens: a custom_id
        crafted with another server's question id must not carry that text into this server's review."""
        exists, asked_in = await self.storage.faq_query_guild(query_id)
        linked = query_id if exists and asked_in == guild_id else None
        await self.storage.set_feedback(
            user_id=user_id,
            entry_id=entry_id,
            guild_id=guild_id,
            vote=1 if up else -1,
            query_id=linked,
            now=self.clock(),
        )

    async def teach(self, guild_id: int, wording: str, label: str) -> asyncio.Task[FaqRetriever]:
        """Store a moderator's example (label: an entry id, or "none" for not for this bot) as this
        server's, with no member attached, and start refitting its answerer; returns the fit."""
        text = member_text(wording, STORED_MAX)
        if not text:
            raise TeachError("There is no wording to learn from: write the question as a member would.")
        if label != NONE_LABEL and self.retriever.faq.entry(label) is None:
            raise TeachError("That answer no longer exists. Run /quizstats faq again for a fresh menu.")
        await self.storage.add_taught(guild_id, text, label, self.clock())
        return self.answerers.retrain(guild_id)
