"""Everything else a server and its members leave behind: FAQ questions and votes, server settings,
command-sync hashes, path roles, members' own data, and housekeeping."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.storage import _rollups as rollups
from bot.storage._large import GUILDS_WITH_DATA, LargeData
from bot.storage._rows import _SETTINGS_COLUMNS, GuildSettings, MemberData


class CommunityTables(LargeData):
    async def record_faq_query(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        question: str,
        entry_id: str | None,
        score: float,
        declined: bool,
        source: str,
        now: float,
    ) -> int:
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "INSERT INTO faq_queries (user_id, guild_id, question, entry_id, score, declined, source,"
                " asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, guild_id, question, entry_id, score, int(declined), source, now),
            )
            return int(rows[0]["id"])

    async def set_feedback(
        self,
        *,
        user_id: int,
        entry_id: str,
        guild_id: int | None,
        vote: int,
        query_id: int | None,
        now: float,
    ) -> None:
        """One vote per member per answer, changeable; it points at the question asked, never copies it."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO faq_feedback (user_id, entry_id, guild_id, vote, query_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, entry_id) DO UPDATE SET"
                " vote = excluded.vote, guild_id = excluded.guild_id, query_id = excluded.query_id,"
                " updated_at = excluded.updated_at",
                (user_id, entry_id, guild_id, vote, query_id, now),
            )

    async def feedback(self, user_id: int, entry_id: str) -> int | None:
        row = await self._one(
            "SELECT vote FROM faq_feedback WHERE user_id = ? AND entry_id = ?", (user_id, entry_id)
        )
        return int(row["vote"]) if row else None

    async def faq_query_guild(self, query_id: int) -> tuple[bool, int | None]:
        """(exists, guild id) of a stored question."""
        row = await self._one("SELECT guild_id FROM faq_queries WHERE id = ?", (query_id,))
        return (row is not None, row["guild_id"] if row is not None else None)

    async def mark_shared(self, session_id: int, now: float) -> bool:
        """Claim the one share of a result; False if it was already shared."""
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE quiz_results SET shared_at = ? WHERE session_id = ? AND shared_at IS NULL",
                (now, session_id),
            )
            return cur.rowcount == 1

    async def unmark_shared(self, session_id: int) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE quiz_results SET shared_at = NULL WHERE session_id = ?", (session_id,))

    async def reconcile_guilds(
        self, present: Iterable[int], now: float, *, shards: tuple[list[int], int] | None = None
    ) -> None:
        """After connecting: servers the bot is in are not departed; servers with data it left while
        offline start their grace period now (on_guild_remove never fired for them).

        `shards` (ids, count): this process sees only those shards' servers, so only they are judged.
        """
        ids = json.dumps(sorted(set(present)))
        shard_ids, shard_count = shards if shards is not None else ([0], 1)
        async with self._tx() as db:
            await db.execute(
                f"UPDATE guild_settings SET left_at = NULL WHERE guild_id IN ({self.dialect.json_ids})",
                (ids,),
            )
            await db.execute(
                "INSERT INTO guild_settings (guild_id, updated_at, left_at)"
                # Bounded by the number of servers, not sessions: every READY runs this under the writer.
                f" SELECT guild_id, ?, ? FROM ({GUILDS_WITH_DATA}) AS seen"
                f" WHERE guild_id IS NOT NULL AND guild_id NOT IN ({self.dialect.json_ids})"
                f" AND (guild_id >> 22) % ? IN ({self.dialect.json_ids})"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = coalesce(guild_settings.left_at, excluded.left_at)",
                (now, now, ids, shard_count, json.dumps(shard_ids)),
            )

    # ------------------------------------------------------------ guild settings

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._one_fast("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            mentions_enabled=bool(row["mentions_enabled"]),
            mention_channels=tuple(json.loads(row["mention_channels"])),
            moderator_roles=tuple(json.loads(row["moderator_roles"])),
            path_role_ai=row["path_role_ai"],
            path_role_ml=row["path_role_ml"],
            path_role_hybrid=row["path_role_hybrid"],
            faq_retention_days=row["faq_retention_days"],
            session_retention_days=row["session_retention_days"],
            left_at=row["left_at"],
        )

    async def update_guild_settings(self, guild_id: int, now: float, **changes: Any) -> GuildSettings:
        unknown = set(changes) - set(_SETTINGS_COLUMNS)
        if unknown:
            raise ValueError(f"unknown guild settings: {sorted(unknown)}")
        values = {
            k: json.dumps(list(v)) if k in ("mention_channels", "moderator_roles") else v
            for k, v in changes.items()
        }
        values = {k: int(v) if isinstance(v, bool) else v for k, v in values.items()}
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values)
        # Column names come from the fixed _SETTINGS_COLUMNS allow-list above; values are parameters.
        sql = (
            f"INSERT INTO guild_settings (guild_id, updated_at{', ' + cols if cols else ''})"
            f" VALUES (?, ?{', ' + marks if marks else ''})"
            f" ON CONFLICT (guild_id) DO UPDATE SET updated_at = excluded.updated_at"
            f"{', ' + updates if updates else ''}"
        )
        async with self._tx() as db:
            await db.execute(sql, (guild_id, now, *values.values()))
        return await self.guild_settings(guild_id)

    # ------------------------------------------------------------ command sync

    async def tree_hash(self, application_id: int, scope: str) -> str | None:
        row = await self._one(
            "SELECT tree_hash FROM command_sync WHERE application_id = ? AND scope = ?",
            (application_id, scope),
        )
        return str(row["tree_hash"]) if row else None

    async def set_tree_hash(self, application_id: int, scope: str, tree_hash: str, now: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO command_sync (application_id, scope, tree_hash, synced_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (application_id, scope) DO UPDATE SET tree_hash = excluded.tree_hash,"
                " synced_at = excluded.synced_at",
                (application_id, scope, tree_hash, now),
            )

    # ------------------------------------------------------------ path roles

    async def record_role_grant(self, guild_id: int, user_id: int, role_id: int, now: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO path_role_grants (guild_id, user_id, role_id, granted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (guild_id, user_id, role_id) DO UPDATE SET granted_at = excluded.granted_at",
                (guild_id, user_id, role_id, now),
            )

    async def delete_role_grant(self, guild_id: int, user_id: int, role_id: int) -> None:
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM path_role_grants WHERE guild_id = ? AND user_id = ? AND role_id = ?",
                (guild_id, user_id, role_id),
            )

    async def role_grants(self, user_id: int) -> list[tuple[int, int]]:
        rows = await self._all("SELECT guild_id, role_id FROM path_role_grants WHERE user_id = ?", (user_id,))
        return [(int(r["guild_id"]), int(r["role_id"])) for r in rows]

    # ------------------------------------------------------------ members' own data

    async def member_data(self, user_id: int) -> MemberData:
        row = await self._one(
            "SELECT (SELECT count(*) FROM quiz_sessions WHERE user_id = ?) AS sessions,"
            " (SELECT count(*) FROM quiz_results WHERE user_id = ?) AS results,"
            " (SELECT count(*) FROM faq_queries WHERE user_id = ?) AS faq_questions,"
            " (SELECT count(*) FROM faq_feedback WHERE user_id = ?) AS faq_votes,"
            " (SELECT count(*) FROM path_role_grants WHERE user_id = ?) AS role_grants,"
            " (SELECT min(t) FROM (SELECT min(started_at) AS t FROM quiz_sessions WHERE user_id = ?"
            "   UNION ALL SELECT min(asked_at) FROM faq_queries WHERE user_id = ?) AS f) AS first_seen,"
            " (SELECT max(t) FROM (SELECT max(updated_at) AS t FROM quiz_sessions WHERE user_id = ?"
            "   UNION ALL SELECT max(asked_at) FROM faq_queries WHERE user_id = ?"
            "   UNION ALL SELECT max(updated_at) FROM faq_feedback WHERE user_id = ?) AS l) AS last_seen",
            (user_id,) * 10,
        )
        assert row is not None
        return MemberData(**dict(row))

    async def forget_member(self, user_id: int) -> list[tuple[int, int]]:
        """Delete every row about the member; returns the path roles granted, to take back."""
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "SELECT guild_id, role_id FROM path_role_grants WHERE user_id = ?", (user_id,)
            )
            grants = [(int(r[0]), int(r[1])) for r in rows]
            guilds = await db.execute_fetchall(
                "SELECT DISTINCT guild_id FROM quiz_sessions WHERE user_id = ? AND guild_id IS NOT NULL",
                (user_id,),
            )
            # Their share of the statistics goes in the same transaction, at every day it counted.
            before = await rollups.read(db, {(int(g["guild_id"]), user_id) for g in guilds}, answers=True)
            # Answers and results go with their sessions (ON DELETE CASCADE).
            await db.execute("DELETE FROM quiz_results WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM quiz_sessions WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM faq_queries WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM faq_feedback WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM path_role_grants WHERE user_id = ?", (user_id,))
            await rollups.apply(db, before)
        self._known.drop_where(lambda row: row.user_id == user_id)
        return grants

    # ------------------------------------------------------------ housekeeping

    async def purge_faq_queries(self, default_days: int, now: float) -> int:
        """Drop question text older than each guild's retention (the settings default elsewhere)."""
        return await self._purge_past_retention("faq_queries", "asked_at", default_days, now)

    async def purge_sessions(self, now: float) -> int:
        """Drop unfinished sessions past a guild's session retention (results are kept until forget)."""
        where = (
            "status != 'completed' AND guild_id IN"
            " (SELECT guild_id FROM guild_settings WHERE session_retention_days IS NOT NULL)"
            " AND updated_at < ? - 86400.0 * (SELECT session_retention_days FROM guild_settings g"
            " WHERE g.guild_id = quiz_sessions.guild_id)"
        )
        async with self._tx() as db:
            gone = await db.execute_fetchall(
                f"SELECT DISTINCT guild_id, user_id FROM quiz_sessions WHERE {where}", (now,)
            )
            pairs = {(int(r["guild_id"]), int(r["user_id"])) for r in gone}
            before = await rollups.read(db, pairs)
            cur = await db.execute(f"DELETE FROM quiz_sessions WHERE {where}", (now,))
            await rollups.apply(db, before, await rollups.read(db, pairs))
        self._known.drop_where(lambda row: (row.guild_id, row.user_id) in pairs)
        return cur.rowcount

    async def mark_guild_left(self, guild_id: int, left_at: float | None, now: float) -> None:
        await self.update_guild_settings(guild_id, now, left_at=left_at)

    async def delete_departed_guilds(self, left_before: float) -> list[int]:
        rows = await self._all(
            "SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL AND left_at < ?", (left_before,)
        )
        gone = [int(r["guild_id"]) for r in rows]
        for gid in gone:
            await self.delete_guild_in_batches(gid)
        return gone

    async def checkpoint(self) -> None:
        """Fold the WAL back into the database (housekeeping), so readers never face a huge log."""
        if self.is_postgres:
            return  # PostgreSQL's own checkpointer and autovacuum do this
        async with self._lock:
            await self._fold_wal()  # never waits long for a moderator's read: see there

    async def counts(self) -> Mapping[str, int]:
        """Row counts per table (for tests and ad-hoc maintenance)."""
        out: dict[str, int] = {}
        for table in ("quiz_sessions", "quiz_answers", "quiz_results", "faq_queries", "faq_feedback"):
            row = await self._one(f"SELECT count(*) AS n FROM {table}")
            out[table] = int(row["n"]) if row else 0
        return out
