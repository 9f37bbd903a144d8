"""Migration 0005's SQL build against rollups computed in Python (``history``), on rows written
directly: several sessions of one member on the same days, retakes completed later, and finishes
stamped before their own starts (a clock set back), which storage's own methods rarely produce.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage import Storage
from bot.storage import _rollups as rollups
from bot.storage._rollups import ALL_TIME, TABLES, Session, canonical, history
from tests.conftest import postgres_schema

DAY = 86400.0
T0 = 1795219200.0  # Monday 2026-11-21 00:00 UTC
D = int(T0 // DAY)
HOUR = 3600.0

# (id, user, guild, status, position, started_at, finished_at); completed ones get a result and answers.
Row = tuple[int, int, int | None, str, int, float, float | None]


async def _insert(storage: Storage, rows: list[Row]) -> None:
    async with storage._tx() as tx:
        for sid, user, guild, status, position, started, finished in rows:
            await tx.execute(
                "INSERT INTO quiz_sessions (id, user_id, guild_id, quiz_version, status, position, started_at,"
                " updated_at, finished_at) VALUES (?, ?, ?, 'v1', ?, ?, ?, ?, ?)",
                (sid, user, guild, status, position, started, finished or started, finished),
            )
            if status != "completed":
                continue
            done = finished if finished is not None else started
            await tx.execute(
                "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml,"
                " quiz_version, content_version, started_at, completed_at)"
                " VALUES (?, ?, ?, ?, 50, 50, 'v1', 'c', ?, ?)",
                (sid, user, guild, ("ai", "ml", "hybrid")[sid % 3], started, done),
            )
            for q in range(min(position, 3)):
                await tx.execute(
                    "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at)"
                    " VALUES (?, ?, ?, ?)",
                    (sid, f"q{q}", f"o{(sid + q) % 2}", started),
                )


async def _python_rollups(storage: Storage, pairs: set[tuple[int, int]]) -> dict[str, Counter[Any]]:
    """The rollups the write path would keep for these rows: every member's history applied once."""
    async with storage._tx() as tx:
        for table in TABLES:
            await tx.execute(f"DELETE FROM {table}")
        after = await rollups.read(tx, pairs, answers=True)
        await rollups.apply(tx, rollups.Snapshot({pair: [] for pair in pairs}), after)
    return {table: await storage.rollup_rows(table) for table in TABLES}


async def _check(storage: Storage, rows: list[Row]) -> dict[str, Counter[Any]]:
    await _insert(storage, rows)
    pairs = {(guild, user) for _, user, guild, *_ in rows if guild is not None}
    expected = await _python_rollups(storage, pairs)
    await storage.rebuild_rollups()
    built = {table: await storage.rollup_rows(table) for table in TABLES}
    for table in TABLES:
        assert canonical(built[table], None) == canonical(expected[table], None), table
    return built


@asynccontextmanager
async def _sqlite() -> AsyncIterator[Storage]:
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(Path(tmp) / "b.sqlite3")
        await storage.open()
        try:
            yield storage
        finally:
            await storage.close()


@asynccontextmanager
async def _postgres() -> AsyncIterator[Storage]:
    async with postgres_schema() as url:
        storage = Storage(url)
        await storage.open()
        try:
            yield storage
        finally:
            await storage.close()


BACKENDS: dict[str, Callable[[], AbstractAsyncContextManager[Storage]]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
}

# One member (user 7, guild 11), by hand:
#   s1 starts D 10:00, completed D 10:10.
#   s2 starts D 11:00 (after s1 was completed the same day), completed only on D+2 (a retake).
#   s3 starts D+1 00:30 but its finish is stamped D 23:00 (clock set back): completed, counts from D+1.
#   s4 starts D+3 and is still active.
#   s5 starts D+4 09:00, cancelled D+5.
# Representative: D s1 completed (s2 is later but not completed yet); D+1 s3 completed (started after
# s1); D+2 still s3 (s2 completed, but it started before s3); D+3..D+5 still s3 (completed beats the
# active and the cancelled retakes).
# Another member (user 8): a first session finished the day before it started, then cancelled: no
# representative on that earlier day, cancelled from its start day on.
HAND: list[Row] = [
    (1, 7, 11, "completed", 13, T0 + 10 * HOUR, T0 + 10 * HOUR + 600),
    (2, 7, 11, "completed", 13, T0 + 11 * HOUR, T0 + 2 * DAY + HOUR),
    (3, 7, 11, "completed", 13, T0 + DAY + 0.5 * HOUR, T0 + 23 * HOUR),
    (4, 7, 11, "active", 2, T0 + 3 * DAY, None),
    (5, 7, 11, "cancelled", 4, T0 + 4 * DAY + 9 * HOUR, T0 + 5 * DAY),
    (6, 8, 11, "cancelled", 1, T0 + 2 * DAY + HOUR, T0 + DAY + HOUR),
]


def test_hand_computed_history() -> None:
    sessions = [
        Session(sid, started, finished, status, pos, "v1", None, None, None)
        for sid, _, _, status, pos, started, finished in HAND[:5]
    ]
    assert history(sessions) == Counter(
        {(1, "completed", D): 1, (1, "completed", D + 1): -1, (3, "completed", D + 1): 1}
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_build_matches_hand_computed_rollups(backend: str) -> None:
    async def run() -> None:
        async with BACKENDS[backend]() as storage:
            built = await _check(storage, HAND)
            funnel = canonical(built["stats_funnel"], None)
            by_start = Counter({k: n for k, n in funnel.items() if k[1] != ALL_TIME})
            assert by_start == Counter(
                {
                    (11, D, D, "completed", "v1", -1): 1,  # s1 from D
                    (11, D, D + 1, "completed", "v1", -1): -1,  # s1 until D+1
                    (11, D + 1, D + 1, "completed", "v1", -1): 1,  # s3 from D+1 (start day D+1)
                    (11, D + 2, D + 2, "cancelled", "v1", 1): 1,  # user 8 from its start day
                }
            )
            answers = canonical(built["stats_answers"], None)
            # s3's three answers (q0..q2), position 13, from D+1 under its start day D+1.
            assert sum(n for k, n in answers.items() if k[1] == D + 1) == 3
            assert sum(n for k, n in answers.items() if k[1] == D) == 0  # s1 came and went

    asyncio.run(run())


@st.composite
def histories(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    sid = 0
    for user in range(draw(st.integers(1, 4))):
        n = draw(st.integers(0, 5))
        for k in range(n):
            sid += 1
            guild = draw(st.sampled_from((11, 22, None)))
            # Whole-hour starts over a week, several a day: ties in started_at broken by id.
            started = T0 + draw(st.integers(0, 7 * 24)) * HOUR
            last = k == n - 1
            status = draw(
                st.sampled_from(
                    ("completed", "abandoned", "cancelled", "expired") + (("active",) if last else ())
                )
            )
            # Finishes up to 3 days later or a day and a half earlier (a clock set back); sometimes none.
            finished = None if status == "active" else started + draw(st.integers(-36, 72)) * HOUR
            if status != "active" and draw(st.integers(0, 9)) == 0:
                finished = None  # a stopped session without finished_at: its start day counts
            rows.append((sid, 100 + user, guild, status, draw(st.integers(0, 4)), started, finished))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_build_matches_python_history_sqlite(rows: list[Row]) -> None:
    async def run() -> None:
        async with _sqlite() as storage:
            await _check(storage, rows)

    asyncio.run(run())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_build_matches_python_history_postgresql(rows: list[Row]) -> None:
    async def run() -> None:
        async with _postgres() as storage:
            await _check(storage, rows)

    asyncio.run(run())


def test_a_build_in_one_schema_does_not_hold_up_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """The build lock is the schema's: a database shared by several schemas (tests, a benchmark beside
    the bot) does not queue one schema's open behind another schema's build."""

    async def run() -> None:
        async with postgres_schema() as slow_url, postgres_schema() as url:
            for target in (slow_url, url):  # quizzes and no rollups: the next open builds them
                storage = Storage(target)
                await storage.open()
                await _insert(storage, HAND)
                await storage.close()
            real, building, release = rollups.rebuild, asyncio.Event(), asyncio.Event()

            async def slow_first(tx: Any, dialect: str) -> None:
                if not building.is_set():  # the first build: held (under its lock) until released
                    building.set()
                    await release.wait()
                await real(tx, dialect)

            monkeypatch.setattr(rollups, "rebuild", slow_first)
            slow = Storage(slow_url)
            slow_open = asyncio.create_task(slow.open())
            await asyncio.wait_for(building.wait(), 30)
            storage = Storage(url)
            try:
                await asyncio.wait_for(storage.open(), 30)  # not after the other schema's build
                assert await storage.rollup_rows("stats_funnel")
            finally:
                release.set()
                await storage.close()
                await slow_open
                await slow.close()

    asyncio.run(run())
