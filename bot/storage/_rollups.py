"""Statistics rollups, kept in the same transaction as every write that changes them.

Each member counts once per guild, by a *representative session*: their latest completed session,
else their latest session (ties by id). The rollups record, as deltas keyed by the UTC day of the
change, what that session contributes (its status, version and stopping place; for a completed one
its result and answers), keyed also by the day it started. Summing rows with ``change_day <= E`` gives
the figures as they stood at the end of day E; restricting ``start_day`` gives a period.

A write never patches the rollups by hand: the member's rows are read before and after the write, the
member's whole history of representative sessions is derived from them both times, and the
difference is applied. Only a member's status changes move it (starting, completing, stopping,
expiring, deletion); an answer to an active session changes nothing, so clicks pay nothing.
The same history, written in SQL, builds the rollups from scratch: SQLite's migration 0005 runs it,
PostgreSQL's runs at the first open after it (no client statement timeout), ``rebuild`` on demand.
Every delta is kept twice, by its start day and summed over start days (for "all time"); housekeeping
compacts rows no figure can reach any more (``compact``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources

from bot.storage._base import StorageBase
from bot.storage._driver import Row, Tx
from bot.storage._postgres import PgTx

STOPPED = ("abandoned", "cancelled", "expired")
# Every delta is also kept under this start day, summed over start days: "all time" reads a few
# hundred rows instead of every day's. Real start days are positive.
ALL_TIME = -2
# Folded change days (compact): before any day a query can ask "as of".
SETTLED = -1
# No period query reaches a start day older than this (90 days, their previous 90, the week of the
# cut-off, and a margin), so compaction drops those rows: all-time rows carry them.
KEEP_DAYS = 200
# "All time" is only asked as of the cut-off (this week's Monday at the earliest): changes older
# than this fold into one row per key.
ALL_TIME_FOLD_DAYS = 10
Pair = tuple[int, int]  # (guild_id, user_id)
# (session id, its status then, the day it held from) -> +1 / -1
Entry = tuple[int, str, int]


def day_of(t: float) -> int:
    """UTC day number; the same float division and floor as the SQL build."""
    return math.floor(t / 86400)


def week_day(day: int) -> int:
    """The Monday of a day's ISO week (day 0, 1970-01-01, was a Thursday)."""
    return day - (day + 3) % 7


@dataclass(frozen=True)
class Session:
    id: int
    started_at: float
    finished_at: float | None
    status: str
    position: int
    version: str
    outcome: str | None
    result_started: float | None
    completed_at: float | None

    @property
    def start(self) -> int:
        return day_of(self.started_at)

    @property
    def finish(self) -> int | None:
        if self.status == "active":
            return None
        return day_of(self.finished_at if self.finished_at is not None else self.started_at)


def history(sessions: Iterable[Session]) -> Counter[Entry]:
    """A member's representative session through time, as deltas: +1 from the day it became
    representative (in the status it had that day), -1 from the day that changed."""
    items = list(sessions)
    points = sorted({s.start for s in items} | {f for s in items if (f := s.finish) is not None})
    out: Counter[Entry] = Counter()
    previous: tuple[int, str] | None = None
    for d in points:
        candidates = [s for s in items if s.start <= d]
        if not candidates:  # a finish stamped before its own start (a clock set back): nothing yet
            continue

        def rank(s: Session, d: int = d) -> tuple[int, float, int]:
            done = s.status == "completed" and (s.finish is not None and s.finish <= d)
            return (int(done), s.started_at, s.id)

        rep = max(candidates, key=rank)
        finish = rep.finish
        state = (rep.id, rep.status if finish is not None and finish <= d else "active")
        if state == previous:
            continue
        if previous is not None:
            out[(*previous, d)] -= 1
        out[(*state, d)] += 1
        previous = state
    return out


@dataclass
class Snapshot:
    """Members' rows read inside a write transaction, before or after it."""

    sessions: dict[Pair, list[Session]] = field(default_factory=dict)
    answers: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def entries(self) -> dict[Pair, Counter[Entry]]:
        return {pair: history(rows) for pair, rows in self.sessions.items()}

    def changed(self, session_id: int, **fields: object) -> Snapshot:
        """The same rows with one session's columns as a write just set them (no re-read)."""
        return Snapshot(
            {
                pair: [replace(s, **fields) if s.id == session_id else s for s in rows]  # type: ignore[arg-type]
                for pair, rows in self.sessions.items()
            },
            self.answers,
        )

    def started(self, pair: Pair | None, session: Session, now: float) -> Snapshot:
        """After a start: the member's active sessions abandoned at ``now``, and the new one added."""
        out = Snapshot(
            {
                key: [
                    replace(s, status="abandoned", finished_at=now) if s.status == "active" else s
                    for s in rows
                ]
                for key, rows in self.sessions.items()
            },
            self.answers,
        )
        if pair is not None:
            out.sessions[pair] = [*out.sessions.get(pair, []), session]
        return out


_COLUMNS = (
    "SELECT s.guild_id, s.user_id, s.id, s.started_at, s.updated_at, s.finished_at, s.status, s.position,"
    " s.quiz_version,"
    " r.outcome, r.started_at AS result_started, r.completed_at FROM quiz_sessions AS s"
    " LEFT JOIN quiz_results AS r ON r.session_id = s.id"
)
_MEMBER_SQL = f"{_COLUMNS} WHERE s.guild_id = ? AND s.user_id = ?"
# One read for the click path: every server's sessions of the member who owns a session (or of a member).
OWNER_SQL = (
    f"{_COLUMNS} WHERE s.user_id = (SELECT o.user_id FROM quiz_sessions AS o WHERE o.id = ?)"
    " AND s.guild_id IS NOT NULL"
)
_USER_SQL = f"{_COLUMNS} WHERE s.user_id = ? AND s.guild_id IS NOT NULL"
# Every session of a member, those started in DMs too (which snapshot() leaves out).
ALL_OF_USER_SQL = f"{_COLUMNS} WHERE s.user_id = ?"


def _session(r: Row) -> Session:
    return Session(
        int(r["id"]),
        float(r["started_at"]),
        None if r["finished_at"] is None else float(r["finished_at"]),
        str(r["status"]),
        int(r["position"]),
        str(r["quiz_version"]),
        r["outcome"],
        None if r["result_started"] is None else float(r["result_started"]),
        None if r["completed_at"] is None else float(r["completed_at"]),
    )


async def read_member(tx: Tx, *, user_id: int | None = None, session_id: int | None = None) -> Snapshot:
    """Every server's sessions of one member (by id, or the owner of a session), in one read."""
    if session_id is not None:
        return snapshot(await tx.execute_fetchall(OWNER_SQL, (session_id,)))
    return snapshot(await tx.execute_fetchall(_USER_SQL, (user_id,)))


def snapshot(rows: Iterable[Row]) -> Snapshot:
    """A snapshot of the rows one of the reads above returned; sessions started in DMs are in no
    server's figures, and are left out."""
    snap = Snapshot()
    for r in rows:
        if r["guild_id"] is None:
            continue
        snap.sessions.setdefault((int(r["guild_id"]), int(r["user_id"])), []).append(_session(r))
    return snap


async def read(tx: Tx, pairs: Iterable[Pair], *, answers: bool = False) -> Snapshot:
    """The members' sessions (and, with ``answers``, their completed sessions' answers)."""
    snap = Snapshot()
    for guild, user in sorted(set(pairs)):
        rows = await tx.execute_fetchall(_MEMBER_SQL, (guild, user))
        snap.sessions[guild, user] = [_session(r) for r in rows]
    if answers:
        done = [s.id for rows in snap.sessions.values() for s in rows if s.status == "completed"]
        await _load_answers(tx, snap, done)
    return snap


async def _load_answers(tx: Tx, snap: Snapshot, ids: Iterable[int]) -> None:
    for sid in ids:
        if sid in snap.answers:
            continue
        rows = await tx.execute_fetchall(
            "SELECT question_id, option_id FROM quiz_answers WHERE session_id = ?", (sid,)
        )
        snap.answers[sid] = [(str(r["question_id"]), str(r["option_id"])) for r in rows]


_CHUNK = 100  # rows per upsert statement: 700 parameters, under SQLite's and asyncpg's limits
_UPSERT = {
    "stats_funnel": ("status, quiz_version, position", 3),
    "stats_results": ("week_day, outcome, minutes", 3),
    "stats_answers": ("question_id, option_id, position", 3),
}
# Those columns' PostgreSQL types, for pg_upserts' arrays.
_PG_TYPES = {
    "stats_funnel": ("TEXT", "TEXT", "BIGINT"),
    "stats_results": ("BIGINT", "TEXT", "BIGINT"),
    "stats_answers": ("TEXT", "TEXT", "BIGINT"),
}


def _rows(
    guild: int,
    entries: Mapping[Entry, int],
    sessions: Mapping[int, Session],
    answers: Mapping[int, list[tuple[str, str]]],
) -> Counter[tuple[str, tuple[object, ...]]]:
    """Entries -> rollup rows: (table, key without n) -> n."""
    out: Counter[tuple[str, tuple[object, ...]]] = Counter()
    for (sid, status, d), n in entries.items():
        if n == 0:
            continue
        s = sessions[sid]
        for start in (s.start, ALL_TIME):
            position = s.position if status in STOPPED else -1
            out["stats_funnel", (guild, start, d, status, s.version, position)] += n
            if status != "completed" or s.completed_at is None or s.outcome is None:
                continue
            assert s.result_started is not None
            minutes = max(0, math.floor((s.completed_at - s.result_started) / 60))
            out["stats_results", (guild, start, d, week_day(day_of(s.completed_at)), s.outcome, minutes)] += n
            for question, option in answers.get(sid, []):
                out["stats_answers", (guild, start, d, question, option, s.position)] += n
    return out


def _differences(
    before: Snapshot, after: Snapshot
) -> Iterator[tuple[Pair, Counter[Entry], dict[int, Session]]]:
    """Each member's history after minus before, where they differ, with the sessions it names."""
    old, new = before.entries(), after.entries()
    for pair in set(old) | set(new):
        diff = Counter(new.get(pair, Counter()))
        diff.subtract(old.get(pair, Counter()))
        diff = Counter({e: n for e, n in diff.items() if n})
        if diff:
            sessions = {s.id: s for s in before.sessions.get(pair, [])}
            sessions.update({s.id: s for s in after.sessions.get(pair, [])})
            yield pair, diff, sessions


def answers_needed(before: Snapshot, after: Snapshot) -> set[int]:
    """The completed sessions whose answers the difference counts and neither snapshot holds."""
    need = {
        sid for _, diff, _ in _differences(before, after) for sid, status, _ in diff if status == "completed"
    }
    return need - set(before.answers) - set(after.answers)


def delta(before: Snapshot, after: Snapshot) -> dict[str, list[tuple[object, ...]]]:
    """The rows to add to each rollup table (key columns, then n) to take before's figures to after's.
    Every session answers_needed names must have its answers in ``after`` first."""
    answers = {**before.answers, **after.answers}
    rows: Counter[tuple[str, tuple[object, ...]]] = Counter()
    for pair, diff, sessions in _differences(before, after):
        rows.update(_rows(pair[0], diff, sessions, answers))
    by_table: dict[str, list[tuple[object, ...]]] = {}
    # A fixed order (table, then key): concurrent writers lock shared rows in the same order.
    for (table, key), n in sorted(rows.items()):
        if n:
            by_table.setdefault(table, []).append((*key, n))
    return by_table


async def apply(tx: Tx, before: Snapshot, after: Snapshot | None = None) -> None:
    """Apply after's histories minus before's (``after`` None: the members' rows are all gone)."""
    after = after if after is not None else Snapshot({pair: [] for pair in before.sessions})
    await _load_answers(tx, after, answers_needed(before, after))
    for table, values in delta(before, after).items():
        columns = _UPSERT[table][0]
        # One statement per table (keys are distinct, as both dialects need). Table and column names
        # come from the fixed _UPSERT map above; values are parameters.
        for chunk in (values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)):
            marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            await tx.execute(
                f"INSERT INTO {table} (guild_id, start_day, change_day, {columns}, n) VALUES {marks}"
                f" ON CONFLICT (guild_id, start_day, change_day, {columns})"
                f" DO UPDATE SET n = {table}.n + excluded.n",
                [v for row in chunk for v in row],
            )


def pg_upserts(by_table: Mapping[str, list[tuple[object, ...]]], when: str) -> tuple[str, list[object]]:
    """PostgreSQL: ``delta``'s rows as parts of a statement's WITH list (", name AS (INSERT ...)", each
    column an array parameter), each written only if the SQL condition ``when`` holds. Written in the
    statement that makes the change, the rollup rows every start or result of a server shares are
    locked for that statement alone, not across a transaction's round trips."""
    sql, params = "", list[object]()
    for table, values in by_table.items():
        columns, types = _UPSERT[table][0], ("BIGINT", "BIGINT", "BIGINT", *_PG_TYPES[table], "BIGINT")
        arrays = ", ".join(f"CAST(? AS {t}[])" for t in types)
        sql += (
            f", {table}_delta AS (INSERT INTO {table} (guild_id, start_day, change_day, {columns}, n)"
            f" SELECT * FROM unnest({arrays}) WHERE {when}"
            f" ON CONFLICT (guild_id, start_day, change_day, {columns}) DO UPDATE SET n = {table}.n + excluded.n)"
        )
        params += [[row[i] for row in values] for i in range(len(types))]
    return sql, params


async def compact(tx: Tx, now: float) -> None:
    today = day_of(now)
    for table, (columns, _) in _UPSERT.items():
        # Table and column names come from the fixed _UPSERT map above.
        await tx.execute(f"DELETE FROM {table} WHERE start_day >= 0 AND start_day < ?", (today - KEEP_DAYS,))
        old = "start_day = ? AND change_day >= 0 AND change_day < ?"
        params = (ALL_TIME, today - ALL_TIME_FOLD_DAYS)
        await tx.execute(
            f"INSERT INTO {table} (guild_id, start_day, change_day, {columns}, n)"
            f" SELECT guild_id, {ALL_TIME}, {SETTLED}, {columns}, sum(n) FROM {table} WHERE {old}"
            f" GROUP BY guild_id, {columns} HAVING sum(n) != 0"
            f" ON CONFLICT (guild_id, start_day, change_day, {columns}) DO UPDATE SET n = {table}.n + excluded.n",
            params,
        )
        await tx.execute(f"DELETE FROM {table} WHERE {old}", params)


def canonical(rows: Mapping[tuple[object, ...], int], now: float | None) -> Counter[tuple[object, ...]]:
    """Rows as ``compact`` at ``now`` would leave them (None: as they are), zeros left out; for
    comparing two sets of rollups that must answer every query alike."""
    out: Counter[tuple[object, ...]] = Counter()
    today = None if now is None else day_of(now)
    for key, n in rows.items():
        guild, start, change, *rest = key
        assert isinstance(start, int) and isinstance(change, int)
        if today is not None:
            if 0 <= start < today - KEEP_DAYS:
                continue
            if start == ALL_TIME and 0 <= change < today - ALL_TIME_FOLD_DAYS:
                change = SETTLED
        out[(guild, start, change, *rest)] += n
    return Counter({key: n for key, n in out.items() if n})


async def drop_guild(tx: Tx, guild_id: int) -> None:
    for table in _UPSERT:
        await tx.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))


TABLES = tuple(_UPSERT)


async def rebuild(tx: Tx, dialect: str) -> None:
    """Replace every rollup row by a build from the stored rows, inside the caller's transaction."""
    statements = [f"DELETE FROM {table}" for table in TABLES]
    for statement in build_sql(dialect).split(";\n"):
        sql = _strip_comments(statement).strip().rstrip(";")
        if sql:
            statements.append(sql)
    for sql in statements:
        if isinstance(tx, PgTx):
            await tx.execute_long(sql, seconds=_BUILD_TIMEOUT)  # minutes at a million results
        else:
            await tx.execute(sql)


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def build_sql(dialect: str) -> str:
    """Migration 0005's build: the rollups of every stored row, from scratch."""
    folder = resources.files("bot.storage.migrations")
    if dialect == "postgresql":
        return (folder / "postgresql" / "0005_stats_rollups.build.sql").read_text(encoding="utf-8")
    text = (folder / "0005_stats_rollups.sql").read_text(encoding="utf-8")
    return text[text.index("-- build:") :]


_BUILD_TIMEOUT = 6 * 3600.0
_BUILD_LOCK = 0x0CA4EE4B05  # ours alone: one process builds, the others wait and find it built
# Keyed by schema as well: the rollups are the schema's, so schemas sharing a database (tests, a
# benchmark beside the bot) build side by side instead of queueing behind each other's build.
BUILD_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(current_schema(), ?))"
_MISSING = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM stats_funnel LIMIT 1) AS f) AS built,"
    " (SELECT count(*) FROM (SELECT 1 FROM quiz_sessions WHERE guild_id IS NOT NULL LIMIT 1) AS s) AS owed"
)


class RollupTables(StorageBase):
    async def open(self) -> None:
        """PostgreSQL: build the rollups once after migration 0005 if quizzes are stored and none are
        (SQLite's migration builds them itself: it has no statement timeout to run into)."""
        await super().open()
        if not self.is_postgres:
            return
        async with self._tx() as tx:
            rows = await tx.execute_fetchall(_MISSING)
            if rows[0]["built"] or not rows[0]["owed"]:
                return
            assert isinstance(tx, PgTx)
            # Waiting for another process's build may take as long as the build (minutes at a
            # million results), not the driver's 60 s statement timeout.
            await tx.execute_long(BUILD_LOCK_SQL, (_BUILD_LOCK,), seconds=_BUILD_TIMEOUT)
            rows = await tx.execute_fetchall(_MISSING)  # another process may have built them meanwhile
            if not rows[0]["built"]:
                await rebuild(tx, self.dialect.name)

    async def rebuild_rollups(self) -> None:
        """Build the rollups from scratch (after a bulk load that bypassed storage's methods)."""
        async with self._tx() as tx:
            await rebuild(tx, self.dialect.name)

    async def compact_rollups(self, now: float) -> None:
        """Housekeeping: drop period rows no query can reach any more, fold old all-time changes.

        Every figure a moderator can ask for stays the same (``now`` is the housekeeping clock, the
        one the statistics' cut-off follows)."""
        async with self._tx() as tx:
            await compact(tx, now)

    async def rollup_rows(self, table: str) -> Counter[tuple[object, ...]]:
        """A rollup table's non-zero rows as key -> n (for tests and the benchmark)."""
        if table not in _UPSERT:
            raise ValueError(table)
        rows = await self._all(f"SELECT * FROM {table}")
        out: Counter[tuple[object, ...]] = Counter()
        for r in rows:
            values = dict(r)
            n = int(values.pop("n"))
            if n:
                out[tuple(values.values())] += n
        return out
