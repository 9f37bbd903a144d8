"""Moderators' statistics at scale: `python -m bench.stats [--results N] [--database-url URL] [--quick]`.

Seeds a database the size asked for (1,000,000 results across 50 guilds by default, the answers that
go with them, plus unfinished and active sessions; `bench/stats_seed.py`), on SQLite or, with
``--database-url postgresql://…``, in a schema of its own that is dropped afterwards (with
``--schema NAME``, one that is kept, so ``--reuse --schema NAME`` measures it again without seeding). On the largest
guild it then times ``summary()`` for every period and one question's answers, both read from the
rollups, against a plain ``SELECT count(*)`` over quiz_answers in the same run; the p99 of answer
writes alone and while summaries run, with the WAL's largest size meanwhile; and what keeping the
rollups adds to each answer write (whole quizzes: start, answers, completion), against the same
quizzes with rollup maintenance switched off, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sqlite3
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bench import stats_community
from bench.stats_seed import NOW, Plan, seed_postgres, seed_sqlite
from bot.content import Quiz, load_content
from bot.stats import PERIODS, Period, Summary, _rows, summary
from bot.stats.export import export_csvs
from bot.stats.figures import Reader, _params
from bot.storage import Storage
from bot.storage import _rollups as rollups

ROOT = Path(__file__).resolve().parents[1]
WRITE_RATE = 200  # answers a second: ~2,000 members mid-quiz, one click every 10 s each
ALONE_SECONDS = 10.0
SUMMARY_ROUNDS = 3
COST_QUIZZES = 200  # whole quizzes per round of the rollup-cost comparison
COST_ROUNDS = 6  # alternating with and without, so drift hits both alike
K = 5
T = TypeVar("T")


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


class Reads:
    """Moderators' reads as StatsService makes them: SQLite's one reader connection, or a read-only
    repeatable-read transaction from PostgreSQL's read pool for each call."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.reader: Any = None

    async def open(self) -> None:
        if not self.storage.is_postgres:
            self.reader = await self.storage.open_reader()

    async def close(self) -> None:
        if self.reader is not None:
            await self.reader.close()

    @contextlib.asynccontextmanager
    async def tx(self) -> AsyncIterator[Reader]:
        if self.storage.is_postgres:
            async with self.storage.read_snapshot() as tx:
                yield tx
        else:
            yield self.reader

    async def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        async with self.tx() as db:
            return await _rows(db, sql, params or {})

    async def count(self, table: str) -> int:
        return int((await self.rows(f"SELECT count(*) AS n FROM {table}"))[0][0])

    async def summary(self, guild: int, period: Period, quiz: Quiz) -> Summary:
        async with self.tx() as db:
            return await summary(db, guild_id=guild, period=period, now=NOW, k=K, quiz=quiz)

    async def question(self, guild: int, period: Period, question_id: str) -> list[Any]:
        """One question's answer counts straight from the rollups (the select itself answers from the
        cached summary, so this is the most it could cost)."""
        return await self.rows(
            "SELECT option_id, position, CAST(sum(n) AS BIGINT) FROM stats_answers WHERE guild_id = :guild"
            " AND start_day >= :first AND start_day <= :last AND change_day <= :end AND question_id = :q"
            " GROUP BY option_id, position",
            {**_params(guild, period, NOW), "q": question_id},
        )


async def measure(target: Path | str, quiz: Quiz, guild: int) -> None:
    storage = Storage(target)
    await storage.open()
    reads = Reads(storage)
    await reads.open()
    try:
        await _measure(storage, reads, quiz, guild)
    finally:
        await reads.close()
        await storage.close()


async def _measure(storage: Storage, reads: Reads, quiz: Quiz, guild: int) -> None:
    base, n_answers = await timed(lambda: reads.count("quiz_answers"))
    print(
        f"\nbaseline (same run, median of 3): SELECT count(*) FROM quiz_answers ({n_answers:,} rows)"
        f" {base * 1000:.0f} ms"
    )
    print(f"\nsummary() for the largest guild ({guild}), from the rollups, k={K}, median of 3:")
    print("| period | members counted | completed | summary ms | vs count(answers) | goal |")
    print("|---|---|---|---|---|---|")
    summaries: dict[Period, Summary] = {}
    # The goals: 200 ms at a million results, 1 s at ten million (goal by the stored results).
    # By the order of magnitude: a --reuse run also counts the quizzes an earlier measurement added.
    goal = 0.2 if await reads.count("quiz_results") < 3_000_000 else 1.0
    for period in PERIODS:

        def run(period: Period = period) -> Awaitable[Summary]:
            return reads.summary(guild, period, quiz)

        secs, s = await timed(run)
        summaries[period] = s
        print(
            f"| {period} | {s.takers.show(K)} | {s.funnel['completed'].show(K)} | {secs * 1000:.1f} |"
            f" {secs / base:.3f}x | {'met' if secs <= goal else 'NOT met'} (<= {goal * 1000:.0f} ms) |"
        )
    question = quiz.questions[0].id
    for period in ("7d", "all"):
        secs, _ = await timed(lambda period=period: reads.question(guild, period, question))  # type: ignore[misc]
        print(
            f"one question ({question}, {period}) from the rollups: {secs * 1000:.1f} ms, {secs / base:.3f}x"
            f" count(answers); goal <= 50 ms: {'met' if secs <= 0.05 else 'NOT met'}"
        )
    rows = {t: await reads.count(t) for t in rollups.TABLES}
    print("rollup rows (all guilds): " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    start = time.perf_counter()
    files = export_csvs(summaries["all"])
    export_ms = (time.perf_counter() - start) * 1000
    print(
        f"export_csvs(all) {export_ms:.1f} ms ({len(files)} files, {sum(map(len, files.values())):,} bytes)"
    )

    active = await reads.rows(
        "SELECT id, position FROM quiz_sessions WHERE guild_id = :g AND status = 'active'", {"g": guild}
    )
    writer = AnswerWriter(storage, quiz, {int(r[0]): int(r[1]) for r in active})
    # PostgreSQL: the server's whole pg_wal directory (other databases' writes count too); its readers
    # hold back vacuum, not WAL recycling, so this follows max_wal_size and checkpoints.
    wal = "server's pg_wal directory, all databases" if storage.is_postgres else "-wal file"
    print(
        f"\nanswer writes (save_progress on {len(writer.order)} active sessions of that guild) alone and"
        f" while summary(all) runs (>= {SUMMARY_ROUNDS}x, >= {ALONE_SECONDS:.0f} s); paced at {WRITE_RATE}/s"
        f" (a very busy bot), then back to back (stress); ms; WAL = the {wal}:"
    )
    print("| writes | during | n | p50 | p99 | max | summary(all) runs, s | WAL max, MB (goal < 64) |")
    print("|---|---|---|---|---|---|---|---|")
    stop = time.perf_counter() + ALONE_SECONDS
    alone = await writer.run(until=lambda: time.perf_counter() > stop, rate=WRITE_RATE)
    _row(f"{WRITE_RATE}/s", "nothing", alone, [])
    results: dict[str, list[float]] = {}
    for label, rate in ((f"{WRITE_RATE}/s", WRITE_RATE), ("back to back", None)):
        if not storage.is_postgres:
            await storage.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")  # consume its row
        times: list[float] = []
        busy = asyncio.create_task(_summaries(reads, guild, quiz, times))
        peak = asyncio.create_task(_wal_peak(storage, busy))
        results[label] = await writer.run(until=busy.done, rate=rate)
        await busy
        _row(label, "summary(all)", results[label], times, await peak)
    paced = results[f"{WRITE_RATE}/s"]
    print(f"p99 during summary / alone, both at {WRITE_RATE}/s: {pct(paced, 0.99) / pct(alone, 0.99):.2f}x")
    await _rollup_cost(storage, quiz, guild)


async def _summaries(reads: Reads, guild: int, quiz: Quiz, times: list[float]) -> None:
    """At least SUMMARY_ROUNDS and ALONE_SECONDS' worth, so the writes beside them are enough for a p99."""
    begin = time.perf_counter()
    while len(times) < SUMMARY_ROUNDS or time.perf_counter() - begin < ALONE_SECONDS:
        start = time.perf_counter()
        await reads.summary(guild, "all", quiz)
        times.append(time.perf_counter() - start)
        await asyncio.sleep(0)  # a moderator clicking again, not a tight loop


async def _wal_size(storage: Storage) -> int:
    if storage.is_postgres:
        rows = await storage._all("SELECT coalesce(sum(size), 0) AS n FROM pg_ls_waldir()")
        return int(rows[0]["n"])
    with contextlib.suppress(FileNotFoundError):
        return os.stat(f"{storage.path}-wal").st_size  # a stat is microseconds: fine on the loop
    return 0


async def _wal_peak(storage: Storage, until: asyncio.Task[None]) -> float:
    """The WAL's largest size (MB) while ``until`` runs, sampled every 50 ms."""
    peak = 0
    while not until.done():
        peak = max(peak, await _wal_size(storage))
        await asyncio.sleep(0.05)
    return peak / 2**20


def _row(
    rate: str, during: str, lat: list[float], summary_secs: list[float], wal_max: float | None = None
) -> None:
    each = f"{len(summary_secs)}x, {min(summary_secs):.2f}-{max(summary_secs):.2f}" if summary_secs else "-"
    print(
        f"| {rate} | {during} | {len(lat)} | {pct(lat, 0.5) * 1000:.2f} | {pct(lat, 0.99) * 1000:.2f} |"
        f" {max(lat) * 1000:.1f} | {each} | {'-' if wal_max is None else f'{wal_max:.1f}'} |"
    )


@contextlib.contextmanager
def _rollups_off() -> Iterator[None]:
    """Rollup maintenance switched off (bench only): the same writes without it, for the baseline."""

    async def no_read(*_: Any, **__: Any) -> rollups.Snapshot:
        return rollups.Snapshot()

    async def no_apply(*_: Any, **__: Any) -> None:
        return None

    saved = (rollups.read_member, rollups.apply)
    rollups.read_member, rollups.apply = no_read, no_apply
    try:
        yield
    finally:
        rollups.read_member, rollups.apply = saved


async def _quizzes(storage: Storage, quiz: Quiz, guild: int, users: range) -> float:
    """Whole quizzes (start, every main answer, the last one completing); seconds per answer write."""
    main = quiz.questions
    start = time.perf_counter()
    for user in users:
        s = await storage.start_session(
            user_id=user,
            guild_id=guild,
            origin_channel_id=None,
            quiz_version="v2",
            mode="dm",
            now=time.time(),
        )
        for pos, q in enumerate(main[:-1]):
            moved = await storage.save_progress(
                s.id,
                expect_position=pos,
                position=pos + 1,
                status="active",
                now=time.time(),
                answer=(q.id, q.options[0].id),
            )
            assert moved is not None
        last = main[-1]
        done = await storage.complete_session(
            s.id,
            expect_position=len(main) - 1,
            position=len(main),
            answer=(last.id, last.options[0].id),
            outcome="ai",
            fit_ai=80,
            fit_ml=20,
            content_version="bench",
            now=time.time(),
        )
        assert done is not None
    return (time.perf_counter() - start) / (len(users) * len(main))


async def _rollup_cost(storage: Storage, quiz: Quiz, guild: int) -> None:
    with_, without = [], []
    base = 8_000_000_000
    for r in range(COST_ROUNDS):
        users = range(base + 2 * r * COST_QUIZZES, base + (2 * r + 1) * COST_QUIZZES)
        with_.append(await _quizzes(storage, quiz, guild, users))
        plain = range(users.stop, users.stop + COST_QUIZZES)
        with _rollups_off():
            without.append(await _quizzes(storage, quiz, guild, plain))
        # Those never reached the rollups, so they leave without touching them either.
        async with storage._tx() as tx:
            await tx.execute(
                "DELETE FROM quiz_results WHERE user_id >= ? AND user_id < ?", (plain.start, plain.stop)
            )
            await tx.execute(
                "DELETE FROM quiz_sessions WHERE user_id >= ? AND user_id < ?", (plain.start, plain.stop)
            )
    a, b = statistics.median(with_), statistics.median(without)
    ratios = sorted(x / y for x, y in zip(with_, without, strict=True))
    print(
        f"\nrollup upkeep per answer write ({COST_ROUNDS} rounds of {COST_QUIZZES} whole quizzes each way,"
        f" {len(quiz.questions)} answers a quiz, start and completion included): median with"
        f" {a * 1000:.3f} ms, without {b * 1000:.3f} ms, +{(a - b) * 1000:.3f} ms; per-round ratios"
        f" {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}; goal <= 1.10)"
    )


def _pg_target(url: str, schema: str) -> str:
    """The URL with the schema as its search_path."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}search_path={schema}"


async def _pg_schema(url: str, name: str | None = None) -> tuple[str, str]:
    """A new schema of the benchmark's own (named, or a random name): (its name, its URL)."""
    schema = name or f"bench_stats_{uuid.uuid4().hex[:10]}"
    con = await asyncpg.connect(url)
    try:
        await con.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await con.close()
    return schema, _pg_target(url, schema)


async def _pg_drop(url: str, schema: str) -> None:
    con = await asyncpg.connect(url)
    try:
        await con.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="50,000 results: a smoke run")
    parser.add_argument("--db", type=Path, default=Path("/tmp/careerbot-bench/stats.sqlite3"))
    parser.add_argument(
        "--database-url", help="postgresql://…: run on PostgreSQL, in a schema dropped afterwards"
    )
    parser.add_argument(
        "--schema",
        help="PostgreSQL: seed into this new schema and keep it afterwards (with --reuse: measure it as seeded)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an already seeded --db (SQLite) or --schema (PostgreSQL)",
    )
    args = parser.parse_args()
    plan = Plan(results=50_000 if args.quick else args.results, guilds=args.guilds)
    quiz = load_content(ROOT / "data").quiz
    stats_community.run(quiz)  # utility first: small and quick, printed even if the big run fails
    if args.database_url:
        if args.schema and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.schema):
            parser.error("--schema: lower-case letters, digits and _ only")
        if args.reuse and not args.schema:
            parser.error("--reuse on PostgreSQL needs --schema NAME (the schema a run with it kept)")
        _run_postgres(args.database_url, plan, quiz, schema=args.schema, reuse=args.reuse)
        return
    if args.schema:
        parser.error("--schema needs --database-url")
    if not args.reuse:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        print(f"seeding {args.db}: {plan.results:,} results across {plan.guilds} guilds ...", flush=True)
        start = time.perf_counter()
        timings = seed_sqlite(args.db, plan, quiz)
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
    _print_rows(rows, largest, in_largest)
    asyncio.run(measure(args.db, quiz, largest))


def _print_rows(rows: dict[str, int], largest: int, in_largest: int) -> None:
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(f"largest guild {largest}: {in_largest:,} results ({in_largest / rows['quiz_results']:.0%})")


def _run_postgres(url: str, plan: Plan, quiz: Quiz, *, schema: str | None, reuse: bool) -> None:
    """Seed (unless ``reuse``) and measure; a schema named by ``schema`` is kept afterwards, so a long
    seed survives a failed measurement, and a random one is dropped."""

    async def run() -> None:
        if reuse:
            assert schema is not None
            name, target = schema, _pg_target(url, schema)
            print(f"measuring the PostgreSQL schema {name} as seeded before (--reuse)")
        else:
            name, target = await _pg_schema(url, schema)
        try:
            if not reuse:
                kept = " (kept afterwards: --reuse --schema measures it again)" if schema else ""
                print(
                    f"seeding PostgreSQL schema {name}{kept}: {plan.results:,} results across"
                    f" {plan.guilds} guilds ...",
                    flush=True,
                )
                start = time.perf_counter()
                timings = await seed_postgres(target, plan, quiz)
                steps = ", ".join(f"{step} {secs:.1f} s" for step, secs in timings.items())
                print(f"seeded in {time.perf_counter() - start:.1f} s ({steps})", flush=True)
            con = await asyncpg.connect(target)
            try:
                rows = {
                    t: int(await con.fetchval(f"SELECT count(*) FROM {t}"))
                    for t in ("quiz_sessions", "quiz_results", "quiz_answers")
                }
                largest, in_largest = await con.fetchrow(
                    "SELECT guild_id, count(*) AS n FROM quiz_results GROUP BY guild_id ORDER BY n DESC LIMIT 1"
                )
            finally:
                await con.close()
            _print_rows(rows, int(largest), int(in_largest))
            await measure(target, quiz, int(largest))
        finally:
            if schema is None:
                await _pg_drop(url, name)
                print(f"dropped schema {name}")
            else:
                print(f'kept schema {name} (drop it with: DROP SCHEMA "{name}" CASCADE)')

    asyncio.run(run())


if __name__ == "__main__":
    main()
