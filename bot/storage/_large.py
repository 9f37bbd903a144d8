"""Big-data care for the single writer: a departed server's rows go in short batches, and the
"which servers have data" question is a skip-scan over an index, not a full table scan."""

from __future__ import annotations

from bot.storage import _rollups as rollups
from bot.storage._base import StorageBase

# Each batch is its own write transaction; 500 sessions (with their ~15 answers each, by cascade) stay
# well under ~100 ms, so a member's click waits for one batch at most, not for the whole server.
DELETE_BATCH_ROWS = 500

# Tables with an ``id`` key, in an order foreign keys allow (results before their sessions; questions
# before the votes that point at them are set to NULL).
_BATCHED = (
    ("quiz_results", "id"),
    ("quiz_sessions", "id"),
    ("faq_queries", "id"),
    ("faq_feedback", "user_id, entry_id"),
    ("path_role_grants", "user_id, role_id"),
    ("faq_taught", "id"),
)

# One index probe per distinct server (a "loose index scan"), bounded by the number of servers.
GUILDS_WITH_DATA = """
WITH RECURSIVE s(g) AS (
    SELECT (SELECT min(guild_id) FROM quiz_sessions)
    UNION ALL
    SELECT (SELECT min(guild_id) FROM quiz_sessions WHERE guild_id > s.g) FROM s WHERE s.g IS NOT NULL
), q(g) AS (
    SELECT (SELECT min(guild_id) FROM faq_queries)
    UNION ALL
    SELECT (SELECT min(guild_id) FROM faq_queries WHERE guild_id > q.g) FROM q WHERE q.g IS NOT NULL
)
SELECT g AS guild_id FROM s WHERE g IS NOT NULL UNION SELECT g FROM q WHERE g IS NOT NULL
"""


class LargeData(StorageBase):
    delete_batch_rows = DELETE_BATCH_ROWS

    async def delete_guild_in_batches(self, guild_id: int) -> int:
        """Delete one server's rows a batch per transaction, releasing the writer in between."""
        deleted = 0
        # The server's statistics go first, at once: nobody reads a departed server's figures, and a
        # run cut short finishes its rows on the next pass.
        async with self._tx() as db:
            await rollups.drop_guild(db, guild_id)
        for table, key in _BATCHED:
            while True:
                async with self._tx() as db:
                    # Table and key names come from the fixed tuple above.
                    cur = await db.execute(
                        f"DELETE FROM {table} WHERE ({key}) IN"
                        f" (SELECT {key} FROM {table} WHERE guild_id = ? LIMIT ?)",
                        (guild_id, self.delete_batch_rows),
                    )
                    n = cur.rowcount
                if table == "quiz_sessions":  # a click between two batches may have kept one
                    self._known.drop_where(lambda row: row.guild_id == guild_id)
                deleted += n
                if n < self.delete_batch_rows:
                    break
        async with self._tx() as db:
            await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return deleted
