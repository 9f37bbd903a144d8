"""Seeding for `bench/stats.py`: a million-result database, as fast as each backend allows.

SQLite: schema from ``Storage.open()``, then a raw connection with the journal off, indexes dropped and
rebuilt after the load, sessions and results by executemany in one transaction, answers generated
inside SQLite by INSERT ... SELECT. PostgreSQL: sessions and results by COPY, answers by INSERT ...
SELECT, foreign-key triggers off during the load (session_replication_role), indexes built after.
Both then build the statistics rollups once with migration 0005's SQL: on PostgreSQL ``Storage.open()``
builds them itself (quizzes stored, no rollups), on SQLite ``Storage.rebuild_rollups`` does.
Every completed session answers all 13 main questions (and ~15% the 3 tie-breaks).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.content import Quiz
from bot.storage import Storage

NOW = time.time()
DAY = 86400.0
SPAN_DAYS = 730  # data spread over two years, newer days busier
TIEBREAK_SHARE = 0.15
UNFINISHED_SHARE = 0.3  # unfinished sessions per result
ACTIVE_SESSIONS = 600  # in the largest guild, for the write benchmark
T = TypeVar("T")

_SESSION_COLUMNS = (
    "id",
    "user_id",
    "guild_id",
    "quiz_version",
    "status",
    "position",
    "started_at",
    "updated_at",
    "finished_at",
)
_RESULT_COLUMNS = (
    "session_id",
    "user_id",
    "guild_id",
    "outcome",
    "fit_ai",
    "fit_ml",
    "quiz_version",
    "content_version",
    "started_at",
    "completed_at",
)


@dataclass
class Plan:
    results: int
    guilds: int
    seed: int = 7

    def guild_weights(self) -> list[float]:
        """Zipf-like: the largest guild holds ~22% of 50 guilds' data, the smallest under 0.5%."""
        return [1 / (rank + 1) for rank in range(self.guilds)]


def guild_id(index: int) -> int:
    return 1_000_000 + index


def _started_at(rnd: random.Random) -> float:
    # Squared uniform skews towards now: a growing community, so 7d/30d/90d are not all equal slices.
    return NOW - SPAN_DAYS * DAY * rnd.random() ** 2 - 3600


def session_rows(plan: Plan, quiz: Quiz) -> Iterator[tuple[Any, ...]]:
    """quiz_sessions rows; a result row is derived from each completed one."""
    rnd = random.Random(plan.seed)
    weights = plan.guild_weights()
    total_w = sum(weights)
    members = [max(1, int(plan.results * w / total_w * 0.8)) for w in weights]  # ~1.25 results each
    main, every = len(quiz.questions), len(quiz.all_questions)
    sid = 0
    unfinished = int(plan.results * UNFINISHED_SHARE)
    statuses = ("abandoned", "expired", "cancelled")
    guilds = rnd.choices(range(plan.guilds), weights=weights, k=plan.results + unfinished)
    for n, g in enumerate(guilds):
        sid += 1
        user = guild_id(g) * 10_000_000 + rnd.randrange(members[g])
        started = _started_at(rnd)
        if n < plan.results:
            position = every if rnd.random() < TIEBREAK_SHARE else main
            yield (sid, user, guild_id(g), "v2", "completed", position, started, started + 420, started + 420)
        else:
            position = rnd.randrange(main)
            status = rnd.choice(statuses)
            yield (sid, user, guild_id(g), "v2", status, position, started, started + 120, started + 120)
    for n in range(ACTIVE_SESSIONS):  # one per member, as the partial unique index demands
        sid += 1
        started = NOW - rnd.random() * 3600
        yield (sid, 9_000_000_000 + n, guild_id(0), "v2", "active", 0, started, started, None)


def result_row(session: tuple[Any, ...], rnd: random.Random) -> tuple[Any, ...]:
    sid, user, guild, version, _, _, started, _, done = session
    outcome = rnd.choices(("ai", "ml", "hybrid"), weights=(5, 4, 1))[0]
    fit_ai = rnd.randrange(101)
    return (sid, user, guild, outcome, fit_ai, 100 - fit_ai, version, "bench", started, done)


def _chunks(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def seed_sqlite(path: Path, plan: Plan, quiz: Quiz) -> dict[str, float]:
    """Bulk load on a raw connection; returns seconds per step."""
    asyncio.run(_create_schema(path))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")  # needs no other connection open; WAL is set back below
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -262144")  # 256 MiB while building indexes
    timings: dict[str, float] = {}
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('quiz_sessions', 'quiz_results', 'quiz_answers')"
    ).fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')

    start = time.perf_counter()
    rnd = random.Random(plan.seed + 1)
    con.execute("BEGIN")
    for chunk in _chunks(session_rows(plan, quiz), 100_000):
        con.executemany(
            "INSERT INTO quiz_sessions (id, user_id, guild_id, quiz_version, status, position, started_at,"
            " updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chunk,
        )
        con.executemany(
            "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml, quiz_version,"
            " content_version, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [result_row(s, rnd) for s in chunk if s[4] == "completed"],
        )
    con.execute("COMMIT")
    timings["sessions + results"] = time.perf_counter() - start

    start = time.perf_counter()
    _seed_answers(con, quiz)
    timings["answers (INSERT ... SELECT)"] = time.perf_counter() - start

    start = time.perf_counter()
    for _, sql in indexes:
        con.execute(sql)
    timings["indexes"] = time.perf_counter() - start
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    start = time.perf_counter()
    asyncio.run(_rebuild(str(path)))
    timings["rollups (migration 0005's build)"] = time.perf_counter() - start
    return timings


async def _rebuild(target: str) -> None:
    """The rollups, built once: PostgreSQL's open() builds them itself when quizzes are stored and no
    rollups are (as after migration 0005 on an existing database); SQLite's open() does not (its
    migration ran on the empty schema), so it is asked to."""
    storage = Storage(target)
    await storage.open()
    try:
        if not await storage._all("SELECT 1 AS built FROM stats_funnel LIMIT 1"):
            await storage.rebuild_rollups()
        await storage.compact_rollups(NOW)  # as the first housekeeping run would
    finally:
        await storage.close()


async def _create_schema(path: Path | str) -> None:
    storage = Storage(path)
    await storage.open()
    await storage.close()


def _seed_answers(con: sqlite3.Connection, quiz: Quiz) -> None:
    """Answers for every question before each session's position; options vary by a hash of the id."""
    con.execute("CREATE TEMP TABLE qq (idx INTEGER PRIMARY KEY, question_id TEXT, n INTEGER)")
    con.execute("CREATE TEMP TABLE qo (idx INTEGER, k INTEGER, option_id TEXT, PRIMARY KEY (idx, k))")
    for idx, q in enumerate(quiz.all_questions):
        con.execute("INSERT INTO qq VALUES (?, ?, ?)", (idx, q.id, len(q.options)))
        con.executemany("INSERT INTO qo VALUES (?, ?, ?)", [(idx, k, o.id) for k, o in enumerate(q.options)])
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
        " SELECT s.id, qq.question_id,"
        "  (SELECT option_id FROM qo WHERE qo.idx = qq.idx AND qo.k = (s.id * 7919 + qq.idx * 104729) % qq.n),"
        "  s.started_at + 20 * qq.idx"
        " FROM quiz_sessions AS s JOIN qq ON qq.idx < s.position"
    )
    con.execute("COMMIT")


def _progress(timings: dict[str, float]) -> None:
    """A long seed's steps as they finish (the last one so far), so a log shows where it stands."""
    step, secs = list(timings.items())[-1]
    print(f"  seed step done: {step} {secs:.1f} s", flush=True)


_PG_INDEXED = ("quiz_sessions", "quiz_results", "quiz_answers")


async def seed_postgres(url: str, plan: Plan, quiz: Quiz) -> dict[str, float]:
    """Bulk load into the (empty) schema the URL's search_path names; returns seconds per step."""
    await _create_schema(url)
    con = await asyncpg.connect(url)
    timings: dict[str, float] = {}
    try:
        await con.execute("SET session_replication_role = replica")  # no FK triggers during the load
        indexes = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = ANY($1::text[])"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",  # keys and uniques stay
            list(_PG_INDEXED),
        )
        for row in indexes:
            await con.execute(f'DROP INDEX "{row["indexname"]}"')
        start = time.perf_counter()
        rnd = random.Random(plan.seed + 1)
        for chunk in _chunks(session_rows(plan, quiz), 100_000):
            await con.copy_records_to_table("quiz_sessions", records=chunk, columns=_SESSION_COLUMNS)
            results = [result_row(s, rnd) for s in chunk if s[4] == "completed"]
            await con.copy_records_to_table("quiz_results", records=results, columns=_RESULT_COLUMNS)
        timings["sessions + results (COPY)"] = time.perf_counter() - start
        _progress(timings)

        start = time.perf_counter()
        await con.execute("CREATE TEMP TABLE qq (idx INTEGER PRIMARY KEY, question_id TEXT, n INTEGER)")
        await con.execute(
            "CREATE TEMP TABLE qo (idx INTEGER, k INTEGER, option_id TEXT, PRIMARY KEY (idx, k))"
        )
        for idx, q in enumerate(quiz.all_questions):
            await con.execute("INSERT INTO qq VALUES ($1, $2, $3)", idx, q.id, len(q.options))
            await con.executemany(
                "INSERT INTO qo VALUES ($1, $2, $3)", [(idx, k, o.id) for k, o in enumerate(q.options)]
            )
        await con.execute(
            "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
            " SELECT s.id, qq.question_id, qo.option_id, s.started_at + 20 * qq.idx"
            " FROM quiz_sessions AS s JOIN qq ON qq.idx < s.position"
            " JOIN qo ON qo.idx = qq.idx AND qo.k = (s.id * 7919 + qq.idx * 104729) % qq.n"
        )
        timings["answers (INSERT ... SELECT)"] = time.perf_counter() - start
        _progress(timings)

        start = time.perf_counter()
        for row in indexes:
            await con.execute(row["indexdef"])
        for table, column in (("quiz_sessions", "id"), ("quiz_results", "id")):
            await con.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), max({column})) FROM {table}"
            )
        await con.execute("SET session_replication_role = origin")
        await con.execute("VACUUM ANALYZE")
        timings["indexes + VACUUM ANALYZE"] = time.perf_counter() - start
        _progress(timings)
    finally:
        await con.close()
    start = time.perf_counter()
    await _rebuild(url)
    timings["rollups (migration 0005's build)"] = time.perf_counter() - start
    _progress(timings)
    con = await asyncpg.connect(url)
    try:
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()
    return timings
