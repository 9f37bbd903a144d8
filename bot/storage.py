"""SQLite repository: one writer connection, numbered migrations, typed methods, no SQL elsewhere.

Members' writes go through a single aiosqlite connection guarded by an asyncio lock, so a
multi-statement transaction never interleaves with another coroutine's statements. Moderators'
heavy reads open a separate read-only connection (``open_reader``); WAL lets it run beside writes.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(Exception):
    """The database cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    found = []
    for item in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append(Migration(int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    guild_id: int | None
    origin_channel_id: int | None
    quiz_version: str
    status: str
    position: int
    mode: str
    message_channel_id: int | None
    message_id: int | None
    started_at: float
    updated_at: float
    finished_at: float | None


@dataclass(frozen=True)
class ResultRow:
    id: int
    session_id: int
    user_id: int
    guild_id: int | None
    outcome: str
    fit_ai: int
    fit_ml: int
    quiz_version: str
    content_version: str
    started_at: float
    completed_at: float
    shared_at: float | None = None


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    mentions_enabled: bool = True
    mention_channels: tuple[int, ...] = ()
    moderator_roles: tuple[int, ...] = ()
    path_role_ai: int | None = None
    path_role_ml: int | None = None
    path_role_hybrid: int | None = None
    faq_retention_days: int | None = None
    session_retention_days: int | None = None
    left_at: float | None = None

    def path_role(self, outcome: str) -> int | None:
        return {"ai": self.path_role_ai, "ml": self.path_role_ml, "hybrid": self.path_role_hybrid}.get(
            outcome
        )


@dataclass(frozen=True)
class MemberData:
    sessions: int
    results: int
    faq_questions: int
    faq_votes: int
    role_grants: int
    first_seen: float | None
    last_seen: float | None


_SETTINGS_COLUMNS = (
    "mentions_enabled",
    "mention_channels",
    "moderator_roles",
    "path_role_ai",
    "path_role_ml",
    "path_role_hybrid",
    "faq_retention_days",
    "session_retention_days",
    "left_at",
)


def _session(row: sqlite3.Row | None) -> SessionRow | None:
    return SessionRow(**dict(row)) if row is not None else None


def _result(row: sqlite3.Row | None) -> ResultRow | None:
    return ResultRow(**dict(row)) if row is not None else None


class Storage:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot create its folder: {exc.strerror}") from None
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the database: {exc}") from None
        db.row_factory = sqlite3.Row
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            # Keep the WAL file from growing without bound while long moderator reads hold snapshots.
            await db.execute("PRAGMA journal_size_limit = 67108864")
            await self._migrate(db)
        except sqlite3.OperationalError as exc:
            await db.close()
            reason = "not writable" if "readonly" in str(exc) or "unable to open" in str(exc) else str(exc)
            raise StorageError(f"{self.path}: {reason} ({exc})") from None
        except BaseException:
            await db.close()
            raise
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("storage is not open")
        return self._db

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at REAL NOT NULL)"
        )
        async with db.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        known = migrations()
        newest = known[-1].version if known else 0
        if current > newest:
            raise StorageError(
                f"database schema version {current} is newer than this careerbot knows ({newest}); "
                "upgrade careerbot or point DATABASE_PATH at another file"
            )
        for mig in known:
            if mig.version <= current:
                continue
            # executescript commits first; wrap the migration and its record in one transaction.
            await db.executescript(
                "BEGIN IMMEDIATE;\n"
                + mig.sql
                + f"\nINSERT INTO schema_version (version, name, applied_at) VALUES ({mig.version},"
                f" '{mig.name}', {time.time()});\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        row = await self._one("SELECT coalesce(max(version), 0) AS v FROM schema_version")
        return int(row["v"]) if row else 0

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    # execute_fetchall is one hop to aiosqlite's thread; execute + fetchone + close would be three,
    # and on a busy click path those hops are most of the cost.
    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self.db.execute_fetchall(sql, params))

    async def open_reader(self) -> aiosqlite.Connection:
        """A read-only connection for moderators' aggregate queries (caller closes it)."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = await aiosqlite.connect(uri, uri=True)
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return db

    async def backup(self, target: Path) -> None:
        """SQLite online backup: consistent even while members keep writing."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest, self._lock:
            await self.db.backup(dest)

    # ------------------------------------------------------------ quiz sessions

    async def active_session(self, user_id: int) -> SessionRow | None:
        return _session(
            await self._one("SELECT * FROM quiz_sessions WHERE user_id = ? AND status = 'active'", (user_id,))
        )

    async def session(self, session_id: int) -> SessionRow | None:
        return _session(await self._one("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,)))

    async def start_session(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        origin_channel_id: int | None,
        quiz_version: str,
        mode: str,
        now: float,
    ) -> SessionRow:
        """Open a new session; a member's previous active one becomes 'abandoned' in the same transaction."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE quiz_sessions SET status = 'abandoned', updated_at = ?, finished_at = ?"
                " WHERE user_id = ? AND status = 'active'",
                (now, now, user_id),
            )
            rows = await db.execute_fetchall(
                "INSERT INTO quiz_sessions (user_id, guild_id, origin_channel_id, quiz_version, status,"
                " position, mode, started_at, updated_at) VALUES (?, ?, ?, ?, 'active', 0, ?, ?, ?) RETURNING *",
                (user_id, guild_id, origin_channel_id, quiz_version, mode, now, now),
            )
        row = _session(next(iter(rows)))
        assert row is not None
        return row

    async def session_with_answers(self, session_id: int) -> tuple[SessionRow, dict[str, str]] | None:
        """A session and its answers in one query (one hop on the click path)."""
        row = await self._one(
            "SELECT s.*, (SELECT json_group_object(question_id, option_id) FROM quiz_answers a"
            " WHERE a.session_id = s.id) AS answers_json FROM quiz_sessions s WHERE s.id = ?",
            (session_id,),
        )
        if row is None:
            return None
        data = dict(row)
        answers = json.loads(data.pop("answers_json") or "{}")
        return SessionRow(**data), answers

    async def answers(self, session_id: int) -> dict[str, str]:
        rows = await self._all(
            "SELECT question_id, option_id FROM quiz_answers WHERE session_id = ?", (session_id,)
        )
        return {r["question_id"]: r["option_id"] for r in rows}

    async def save_progress(
        self,
        session_id: int,
        *,
        expect_position: int,
        position: int,
        status: str,
        now: float,
        answer: tuple[str, str] | None = None,
    ) -> SessionRow | None:
        """Write an answer and the new position atomically; returns the moved session.

        Guarded by the position the engine computed from: if another click moved the session first
        (a double click racing itself), nothing is written and None is returned.
        """
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "UPDATE quiz_sessions SET position = ?, status = ?, updated_at = ?,"
                " finished_at = CASE WHEN ? = 'active' THEN NULL ELSE ? END"
                " WHERE id = ? AND status = 'active' AND position = ? RETURNING *",
                (position, status, now, status, now, session_id, expect_position),
            )
            moved = _session(next(iter(rows), None))
            if moved is None:
                return None
            if answer is not None:
                await db.execute(
                    "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (session_id, question_id)"
                    " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at",
                    (session_id, answer[0], answer[1], now),
                )
        return moved

    async def set_status(self, session_id: int, status: str, now: float) -> bool:
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE quiz_sessions SET status = ?, updated_at = ?, finished_at = ?"
                " WHERE id = ? AND status = 'active'",
                (status, now, now, session_id),
            )
            return cur.rowcount == 1

    async def set_session_message(
        self, session_id: int, channel_id: int | None, message_id: int | None
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE quiz_sessions SET message_channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, session_id),
            )

    async def set_session_mode(self, session_id: int, mode: str) -> None:
        async with self._tx() as db:
            await db.execute("UPDATE quiz_sessions SET mode = ? WHERE id = ?", (mode, session_id))

    async def expire_idle(self, idle_before: float, now: float) -> int:
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE quiz_sessions SET status = 'expired', finished_at = ?"
                " WHERE status = 'active' AND updated_at < ?",
                (now, idle_before),
            )
            return cur.rowcount

    async def complete_session(
        self,
        session_id: int,
        *,
        expect_position: int,
        position: int,
        answer: tuple[str, str],
        outcome: str,
        fit_ai: int,
        fit_ml: int,
        content_version: str,
        now: float,
    ) -> ResultRow | None:
        """Record the last answer, close the session and store its result in one transaction."""
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE quiz_sessions SET position = ?, status = 'completed', updated_at = ?, finished_at = ?"
                " WHERE id = ? AND status = 'active' AND position = ?",
                (position, now, now, session_id, expect_position),
            )
            if cur.rowcount != 1:
                return None
            await db.execute(
                "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (session_id, question_id)"
                " DO UPDATE SET option_id = excluded.option_id, answered_at = excluded.answered_at",
                (session_id, answer[0], answer[1], now),
            )
            rows = await db.execute_fetchall(
                "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml,"
                " quiz_version, content_version, started_at, completed_at)"
                " SELECT id, user_id, guild_id, ?, ?, ?, quiz_version, ?, started_at, ? FROM quiz_sessions"
                " WHERE id = ? RETURNING *",
                (outcome, fit_ai, fit_ml, content_version, now, session_id),
            )
            return _result(next(iter(rows), None))

    async def result_for_session(self, session_id: int) -> ResultRow | None:
        return _result(await self._one("SELECT * FROM quiz_results WHERE session_id = ?", (session_id,)))

    async def latest_result(self, user_id: int, *, before_session: int | None = None) -> ResultRow | None:
        """The member's newest result, or the newest before a given session (for "since last time")."""
        bound = before_session if before_session is not None else 2**63 - 1
        return _result(
            await self._one(
                "SELECT * FROM quiz_results WHERE user_id = ? AND session_id < ?"
                " ORDER BY completed_at DESC, id DESC LIMIT 1",
                (user_id, bound),
            )
        )

    # ------------------------------------------------------------ FAQ

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
            cur = await db.execute(
                "INSERT INTO faq_queries (user_id, guild_id, question, entry_id, score, declined, source,"
                " asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, question, entry_id, score, int(declined), source, now),
            )
            return int(cur.lastrowid or 0)

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

    async def reconcile_guilds(self, present: Iterable[int], now: float) -> None:
        """After connecting: servers the bot is in are not departed; servers with data it left while
        offline start their grace period now (on_guild_remove never fired for them)."""
        ids = json.dumps(sorted(set(present)))
        async with self._tx() as db:
            await db.execute(
                "UPDATE guild_settings SET left_at = NULL WHERE guild_id IN (SELECT value FROM json_each(?))",
                (ids,),
            )
            await db.execute(
                "INSERT INTO guild_settings (guild_id, updated_at, left_at)"
                " SELECT guild_id, ?, ? FROM (SELECT guild_id FROM quiz_sessions UNION SELECT guild_id FROM faq_queries)"
                " WHERE guild_id IS NOT NULL AND guild_id NOT IN (SELECT value FROM json_each(?))"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = coalesce(guild_settings.left_at, excluded.left_at)",
                (now, now, ids),
            )

    # ------------------------------------------------------------ guild settings

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
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
                "INSERT OR REPLACE INTO path_role_grants (guild_id, user_id, role_id, granted_at)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, user_id, role_id, now),
            )

    async def role_grants(self, user_id: int) -> list[tuple[int, int]]:
        rows = await self._all("SELECT guild_id, role_id FROM path_role_grants WHERE user_id = ?", (user_id,))
        return [(int(r["guild_id"]), int(r["role_id"])) for r in rows]

    # ------------------------------------------------------------ members' own data

    async def member_data(self, user_id: int) -> MemberData:
        row = await self._one(
            "SELECT (SELECT count(*) FROM quiz_sessions WHERE user_id = :u) AS sessions,"
            " (SELECT count(*) FROM quiz_results WHERE user_id = :u) AS results,"
            " (SELECT count(*) FROM faq_queries WHERE user_id = :u) AS faq_questions,"
            " (SELECT count(*) FROM faq_feedback WHERE user_id = :u) AS faq_votes,"
            " (SELECT count(*) FROM path_role_grants WHERE user_id = :u) AS role_grants,"
            " (SELECT min(t) FROM (SELECT min(started_at) AS t FROM quiz_sessions WHERE user_id = :u"
            "   UNION ALL SELECT min(asked_at) FROM faq_queries WHERE user_id = :u)) AS first_seen,"
            " (SELECT max(t) FROM (SELECT max(updated_at) AS t FROM quiz_sessions WHERE user_id = :u"
            "   UNION ALL SELECT max(asked_at) FROM faq_queries WHERE user_id = :u"
            "   UNION ALL SELECT max(updated_at) FROM faq_feedback WHERE user_id = :u)) AS last_seen",
            {"u": user_id},  # type: ignore[arg-type]
        )
        assert row is not None
        return MemberData(**dict(row))

    async def forget_member(self, user_id: int) -> list[tuple[int, int]]:
        """Delete every row about the member; returns the path roles granted, to take back."""
        async with self._tx() as db:
            async with db.execute(
                "SELECT guild_id, role_id FROM path_role_grants WHERE user_id = ?", (user_id,)
            ) as cur:
                grants = [(int(r[0]), int(r[1])) for r in await cur.fetchall()]
            # Answers and results go with their sessions (ON DELETE CASCADE).
            await db.execute("DELETE FROM quiz_results WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM quiz_sessions WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM faq_queries WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM faq_feedback WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM path_role_grants WHERE user_id = ?", (user_id,))
        return grants

    # ------------------------------------------------------------ housekeeping

    async def purge_faq_queries(self, default_days: int, now: float) -> int:
        """Drop question text older than each guild's retention (the settings default elsewhere)."""
        async with self._tx() as db:
            cur = await db.execute(
                "DELETE FROM faq_queries WHERE asked_at < ? - 86400.0 * coalesce("
                " (SELECT faq_retention_days FROM guild_settings g WHERE g.guild_id = faq_queries.guild_id), ?)",
                (now, default_days),
            )
            return cur.rowcount

    async def purge_sessions(self, now: float) -> int:
        """Drop unfinished sessions past a guild's session retention (results are kept until forget)."""
        async with self._tx() as db:
            cur = await db.execute(
                "DELETE FROM quiz_sessions WHERE status != 'completed' AND guild_id IN"
                " (SELECT guild_id FROM guild_settings WHERE session_retention_days IS NOT NULL)"
                " AND updated_at < ? - 86400.0 * (SELECT session_retention_days FROM guild_settings g"
                " WHERE g.guild_id = quiz_sessions.guild_id)",
                (now,),
            )
            return cur.rowcount

    async def mark_guild_left(self, guild_id: int, left_at: float | None, now: float) -> None:
        await self.update_guild_settings(guild_id, now, left_at=left_at)

    async def delete_departed_guilds(self, left_before: float) -> list[int]:
        rows = await self._all(
            "SELECT guild_id FROM guild_settings WHERE left_at IS NOT NULL AND left_at < ?", (left_before,)
        )
        gone = [int(r["guild_id"]) for r in rows]
        async with self._tx() as db:
            for gid in gone:
                await self._delete_guild(db, gid)
        return gone

    @staticmethod
    async def _delete_guild(db: aiosqlite.Connection, guild_id: int) -> None:
        for table in ("quiz_results", "quiz_sessions", "faq_queries", "faq_feedback", "path_role_grants"):
            # Table names come from the fixed tuple above.
            await db.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))

    async def checkpoint(self) -> None:
        """Fold the WAL back into the database (housekeeping), so readers never face a huge log."""
        async with self._lock:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def counts(self) -> Mapping[str, int]:
        """Row counts per table (for `careerbot check` and tests)."""
        out: dict[str, int] = {}
        for table in ("quiz_sessions", "quiz_answers", "quiz_results", "faq_queries", "faq_feedback"):
            row = await self._one(f"SELECT count(*) AS n FROM {table}")
            out[table] = int(row["n"]) if row else 0
        return out
