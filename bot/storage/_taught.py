"""FAQ examples moderators taught their server's answerer: wording and label only, no member."""

from __future__ import annotations

from bot.storage._base import StorageBase


class TaughtTables(StorageBase):
    async def add_taught(self, guild_id: int, question: str, label: str, now: float) -> int:
        """Store one taught example (label: an entry id, or "none"); returns its id."""
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "INSERT INTO faq_taught (guild_id, question, label, taught_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (guild_id, question, label, now),
            )
            return int(rows[0]["id"])

    async def taught(self, guild_id: int | None = None) -> list[tuple[int, str, str]]:
        """(guild id, question, label) in the order taught: one server's, or every server's."""
        if guild_id is None:
            rows = await self._all("SELECT guild_id, question, label FROM faq_taught ORDER BY id")
        else:
            rows = await self._all(
                "SELECT guild_id, question, label FROM faq_taught WHERE guild_id = ? ORDER BY id",
                (guild_id,),
            )
        return [(int(r["guild_id"]), str(r["question"]), str(r["label"])) for r in rows]

    async def taught_counts(self, guild_id: int) -> dict[str, int]:
        """How many examples this server taught, per label."""
        rows = await self._all(
            "SELECT label, count(*) AS n FROM faq_taught WHERE guild_id = ? GROUP BY label ORDER BY label",
            (guild_id,),
        )
        return {str(r["label"]): int(r["n"]) for r in rows}

    async def purge_taught(self, default_days: int, now: float) -> int:
        """Taught examples follow the same retention as FAQ question text (each server's, or the default)."""
        return await self._purge_past_retention("faq_taught", "taught_at", default_days, now)

    async def review_wordings(self, guild_id: int, limit: int = 20000) -> list[str]:
        """The stored wordings /quizstats faq can offer to teach from: declined, or answered and 👎'd."""
        rows = await self._all(
            "SELECT question FROM faq_queries WHERE guild_id = ? AND declined = 1"
            " UNION SELECT q.question FROM faq_feedback AS f JOIN faq_queries AS q ON q.id = f.query_id"
            " WHERE f.guild_id = ? AND q.guild_id = ? AND f.vote = -1 LIMIT ?",
            (guild_id, guild_id, guild_id, limit),
        )
        return [str(r["question"]) for r in rows]
