"""Moderators' statistics at scale: `python -m bench.stats [--results N] [--guilds G] [--quick]`.

Seeds a database the size the spec asks for (1,000,000 results across 50 guilds by default, the
answers that go with them, plus unfinished and active sessions), then on the largest guild times
``summary()`` for every period and ``export_csvs``, and the p99 of quiz answer writes
(``Storage.save_progress``) alone and while summaries run on the reader connection. Baselines from
the same run: a plain ``SELECT count(*)`` over quiz_answers and quiz_results.

Seeding is as fast as SQLite allows: schema from ``Storage.open()``, then a raw connection with the
journal off, indexes dropped and rebuilt after the load, sessions and results by executemany in one
transaction, answers generated inside SQLite by INSERT ... SELECT. Every completed session answers
all 13 main questions (and ~15% the 3 tie-breaks), so 1,000,000 results carry ~13.5M answers, a
little over the spec's 12M; the figures used are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench import stats_community
from bot.content import Quiz, load_content
from bot.stats import PERIODS, Period, Summary, summary
from bot.stats.export import export_csvs
from bot.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
NOW = time.time()
DAY = 86400.0
SPAN_DAYS = 730  # data spread over two years, newer days busier
TIEBREAK_SHARE = 0.15
UNFINISHED_SHARE = 0.3  # unfinished sessions per result
ACTIVE_SESSIONS = 600  # in the largest guild, for the write benchmark
WRITE_RATE = 200  # answers a second: ~2,000 members mid-quiz, one click every 10 s each
ALONE_SECONDS = 10.0
SUMMARY_ROUNDS = 3
K = 5
T = TypeVar("T")


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


def seed(path: Path, plan: Plan, quiz: Quiz) -> dict[str, float]:
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
    return timings


async def _create_schema(path: Path) -> None:
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


# ---------------------------------------------------------------- measuring


async def timed(make: Callable[[], Awaitable[T]], rounds: int = 3) -> tuple[float, T]:
    """Median seconds over ``rounds`` runs (the first warms the page cache), and the last value."""
    times, value = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        value = await make()
        times.append(time.perf_counter() - start)
    assert value is not None
    return statistics.median(times), value


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class AnswerWriter:
    """Answers quiz questions on the active sessions, one save_progress at a time, timing each."""

    def __init__(self, storage: Storage, quiz: Quiz, positions: dict[int, int]) -> None:
        self.storage, self.quiz = storage, quiz
        self.position = dict(positions)
        self.order = list(positions)
        self.turn = 0
        self.latencies: list[float] = []

    async def write_one(self) -> None:
        sid = self.order[self.turn % len(self.order)]
        self.turn += 1
        pos = self.position[sid]
        if pos >= len(self.quiz.questions) - 1:  # stay active: rewind (as Back would)
            await self.storage.save_progress(
                sid, expect_position=pos, position=0, status="active", now=time.time()
            )
            pos = self.position[sid] = 0
        q = self.quiz.questions[pos]
        start = time.perf_counter()
        ok = await self.storage.save_progress(
            sid,
            expect_position=pos,
            position=pos + 1,
            status="active",
            now=time.time(),
            answer=(q.id, q.options[0].id),
        )
        self.latencies.append(time.perf_counter() - start)
        assert ok, f"session {sid} was not at position {pos}"
        self.position[sid] = pos + 1

    async def run(self, *, until: Callable[[], bool], rate: float | None) -> list[float]:
        """Write until ``until()``, ``rate`` a second (None: back to back); returns the latencies."""
        self.latencies = []
        due = time.perf_counter()
        while not until():
            await self.write_one()
            if rate is not None:
                due += 1 / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
        return self.latencies


async def measure(path: Path, quiz: Quiz, guild: int) -> None:
    storage = Storage(path)
    await storage.open()
    reader = await storage.open_reader()
    try:
        await _measure(storage, reader, quiz, guild)
    finally:
        await reader.close()
        await storage.close()


async def _count(reader: Any, table: str) -> int:
    async with reader.execute(f"SELECT count(*) FROM {table}") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def _measure(storage: Storage, reader: Any, quiz: Quiz, guild: int) -> None:
    base_answers, n_answers = await timed(lambda: _count(reader, "quiz_answers"))
    base_results, n_results = await timed(lambda: _count(reader, "quiz_results"))
    print(
        f"\nbaselines (same run, median of 3): SELECT count(*) FROM quiz_answers ({n_answers:,} rows)"
        f" {base_answers * 1000:.0f} ms; FROM quiz_results ({n_results:,} rows) {base_results * 1000:.0f} ms"
    )

    print(f"\nsummary() for the largest guild ({guild}), k={K}, median of 3:")
    print(
        "| period | members started | latest results | summary ms | vs count(answers) | vs count(results) |"
    )
    print("|---|---|---|---|---|---|")
    summaries: dict[Period, Summary] = {}
    for period in PERIODS:

        def run(period: Period = period) -> Awaitable[Summary]:
            return summary(reader, guild_id=guild, period=period, now=NOW, k=K, quiz=quiz)

        secs, s = await timed(run)
        summaries[period] = s
        print(
            f"| {period} | {s.takers.show(K)} | {s.funnel['completed'].show(K)} | {secs * 1000:.0f} |"
            f" {secs / base_answers:.2f}x | {secs / base_results:.2f}x |"
        )
    start = time.perf_counter()
    files = export_csvs(summaries["all"])
    export_ms = (time.perf_counter() - start) * 1000
    size = sum(map(len, files.values()))
    print(f"\nexport_csvs(all) {export_ms:.1f} ms ({len(files)} files, {size:,} bytes)")

    async with reader.execute(
        "SELECT id, position FROM quiz_sessions WHERE guild_id = ? AND status = 'active'", (guild,)
    ) as cur:
        writer = AnswerWriter(storage, quiz, {int(r[0]): int(r[1]) for r in await cur.fetchall()})
    print(
        f"\nanswer writes (save_progress on {len(writer.order)} active sessions of that guild) alone and"
        f" while summary(all) runs on the reader (>= {SUMMARY_ROUNDS}x, >= {ALONE_SECONDS:.0f} s); paced at {WRITE_RATE}/s (a very busy"
        " bot), then back to back (stress); ms:"
    )
    print(
        "| writes | during | n | p50 | p99 | max | summary(all) runs, s | WAL after, MB | WAL max, MB (goal < 64) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    stop = time.perf_counter() + ALONE_SECONDS
    alone = await writer.run(until=lambda: time.perf_counter() > stop, rate=WRITE_RATE)
    _row(f"{WRITE_RATE}/s", "nothing", alone, [], storage.path)
    results: dict[str, list[float]] = {}
    for label, rate in ((f"{WRITE_RATE}/s", WRITE_RATE), ("back to back", None)):
        await storage.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")  # consume its row
        times: list[float] = []
        busy = asyncio.create_task(_summaries(reader, guild, quiz, times))
        peak = asyncio.create_task(_wal_peak(storage.path, busy))
        results[label] = await writer.run(until=busy.done, rate=rate)
        await busy
        _row(label, "summary(all)", results[label], times, storage.path, await peak)
    paced = results[f"{WRITE_RATE}/s"]
    print(f"p99 during summary / alone, both at {WRITE_RATE}/s: {pct(paced, 0.99) / pct(alone, 0.99):.2f}x")


async def _summaries(reader: Any, guild: int, quiz: Quiz, times: list[float]) -> None:
    """At least SUMMARY_ROUNDS and ALONE_SECONDS' worth, so the writes beside them are enough for a p99."""
    begin = time.perf_counter()
    while len(times) < SUMMARY_ROUNDS or time.perf_counter() - begin < ALONE_SECONDS:
        start = time.perf_counter()
        await summary(reader, guild_id=guild, period="all", now=NOW, k=K, quiz=quiz)
        times.append(time.perf_counter() - start)


async def _wal_peak(db: Path, until: asyncio.Task[None]) -> float:
    """The -wal file's largest size (MB) while ``until`` runs, sampled every 50 ms."""
    wal, peak = f"{db}-wal", 0
    while not until.done():
        with contextlib.suppress(FileNotFoundError):
            peak = max(peak, os.stat(wal).st_size)  # a stat is microseconds: fine on the loop
        await asyncio.sleep(0.05)
    return peak / 2**20


def _row(
    rate: str,
    during: str,
    lat: list[float],
    summary_secs: list[float],
    db: Path,
    wal_max: float | None = None,
) -> None:
    wal = Path(f"{db}-wal")
    wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    each = f"{len(summary_secs)}x, {min(summary_secs):.2f}-{max(summary_secs):.2f}" if summary_secs else "-"
    print(
        f"| {rate} | {during} | {len(lat)} | {pct(lat, 0.5) * 1000:.2f} | {pct(lat, 0.99) * 1000:.2f} |"
        f" {max(lat) * 1000:.1f} | {each} | {wal_mb:.0f} | {'-' if wal_max is None else f'{wal_max:.0f}'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="50,000 results: a smoke run")
    parser.add_argument("--db", type=Path, default=Path("/tmp/careerbot-bench/stats.sqlite3"))
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded --db")
    args = parser.parse_args()
    plan = Plan(results=50_000 if args.quick else args.results, guilds=args.guilds)
    quiz = load_content(ROOT / "data").quiz
    stats_community.run(quiz)  # utility first: small and quick, printed even if the big run fails
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        print(f"seeding {args.db}: {plan.results:,} results across {plan.guilds} guilds ...", flush=True)
        start = time.perf_counter()
        timings = seed(args.db, plan, quiz)
        steps = ", ".join(f"{name} {secs:.1f} s" for name, secs in timings.items())
        print(f"seeded in {time.perf_counter() - start:.1f} s ({steps})")
    con = sqlite3.connect(args.db)
    rows = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("quiz_sessions", "quiz_results", "quiz_answers")
    }
    largest, in_largest = con.execute(
        "SELECT guild_id, count(*) AS n FROM quiz_results GROUP BY guild_id ORDER BY n DESC LIMIT 1"
    ).fetchone()
    con.close()
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(f"largest guild {largest}: {in_largest:,} results ({in_largest / rows['quiz_results']:.0%})")
    asyncio.run(measure(args.db, quiz, largest))


if __name__ == "__main__":
    main()
