"""The statistics rollups kept on every write always equal a from-scratch build of the stored rows.

Random histories go through storage's own write methods (starts, answers, Back, retakes, completing,
cancelling, expiry, forget, retention purge, a departed server's deletion); after every step the
rollups are compared with migration 0005's SQL build over the same rows. The two are written apart
(Python on the write path, SQL for the build), so agreeing is evidence for both.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage import Storage
from bot.storage._rollups import TABLES, canonical, history
from tests.conftest import postgres_schema

T0 = 1795219200.0  # Monday 2026-11-21 00:00 UTC
HOUR = 3600.0
GUILDS = (11, 22, None)  # None: a quiz started in DMs, in no server's figures
QUESTIONS = ("q0", "q1", "q2", "q3")

ops = st.one_of(
    st.tuples(st.just("start"), st.integers(0, 3), st.sampled_from(GUILDS), st.integers(0, 400)),
    st.tuples(st.just("answer"), st.integers(0, 3), st.integers(0, 2), st.integers(0, 400)),
    st.tuples(st.just("back"), st.integers(0, 3), st.just(0), st.integers(0, 400)),
    st.tuples(
        st.just("complete"), st.integers(0, 3), st.sampled_from(("ai", "ml", "hybrid")), st.integers(0, 400)
    ),
    st.tuples(st.just("cancel"), st.integers(0, 3), st.just(0), st.integers(0, 400)),
    st.tuples(st.just("expire"), st.just(0), st.just(0), st.integers(0, 400)),
    st.tuples(st.just("forget"), st.integers(0, 3), st.just(0), st.integers(0, 400)),
    st.tuples(st.just("purge"), st.just(0), st.sampled_from((11, 22)), st.integers(0, 400)),
    st.tuples(st.just("delete_guild"), st.just(0), st.sampled_from((11, 22)), st.integers(0, 400)),
    # Housekeeping's compaction, up to well past the history (hours: up to 400 days on).
    st.tuples(st.just("compact"), st.just(0), st.just(0), st.integers(0, 9600)),
)


async def _rollups(storage: Storage) -> dict[str, Counter[tuple[object, ...]]]:
    return {table: await storage.rollup_rows(table) for table in TABLES}


async def _step(storage: Storage, op: tuple[str, int, Any, int]) -> None:
    kind, member, arg, hours = op
    user, now = 500 + member, T0 + hours * HOUR
    session = await storage.active_session(user)
    if kind == "start":
        await storage.start_session(
            user_id=user, guild_id=arg, origin_channel_id=None, quiz_version="v1", mode="dm", now=now
        )
    elif kind in ("answer", "back", "complete", "cancel") and session is not None:
        pos = session.position
        if kind == "answer":
            step = (QUESTIONS[pos % len(QUESTIONS)], f"o{arg}")
            await storage.save_progress(
                session.id, expect_position=pos, position=pos + 1, status="active", now=now, answer=step
            )
        elif kind == "back" and pos > 0:
            await storage.save_progress(
                session.id, expect_position=pos, position=pos - 1, status="active", now=now
            )
        elif kind == "complete":
            # As the quiz does (the answers it read, guarded by the change it read them at), or bare.
            seen = {"expect_updated_at": session.updated_at, "answers": await storage.answers(session.id)}
            await storage.complete_session(
                session.id,
                expect_position=pos,
                position=pos + 1,
                answer=(QUESTIONS[pos % len(QUESTIONS)], "o1"),
                outcome=arg,
                fit_ai=50,
                fit_ml=50,
                content_version="c",
                now=now,
                **(seen if hours % 2 else {}),
            )
        elif kind == "cancel":
            await storage.set_status(session.id, "cancelled", now)
    elif kind == "expire":
        await storage.expire_idle(now - 30 * HOUR, now)
    elif kind == "forget":
        await storage.forget_member(user)
    elif kind == "purge":
        await storage.update_guild_settings(arg, now, session_retention_days=2)
        await storage.purge_sessions(now)
    elif kind == "delete_guild":
        await storage.delete_guild_in_batches(arg)


async def _check_history(storage: Storage, history_ops: list[tuple[str, int, Any, int]]) -> None:
    storage.delete_batch_rows = 2  # several batches per departed server
    compacted: float | None = None  # the latest housekeeping clock that compacted
    for op in history_ops:
        if op[0] == "compact":
            now = T0 + op[3] * HOUR
            compacted = max(now, compacted or now)
            await storage.compact_rollups(now)
        else:
            await _step(storage, op)
        kept = await _rollups(storage)
        await storage.rebuild_rollups()
        rebuilt = await _rollups(storage)
        # Compaction changes how rows are kept, never what any figure a query may ask for sums to.
        for table in TABLES:
            assert canonical(kept[table], compacted) == canonical(rebuilt[table], compacted), f"after {op}"
        if compacted is not None:
            await storage.compact_rollups(compacted)  # carry on from compacted rows, as the bot does


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=25))
def test_rollups_equal_a_rebuild_after_every_write_sqlite(
    history_ops: list[tuple[str, int, Any, int]],
) -> None:
    async def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            storage = Storage(Path(tmp) / "r.sqlite3")
            await storage.open()
            try:
                await _check_history(storage, history_ops)
            finally:
                await storage.close()

    asyncio.run(run())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=20))
def test_rollups_equal_a_rebuild_after_every_write_postgresql(
    history_ops: list[tuple[str, int, Any, int]],
) -> None:
    async def run() -> None:
        async with postgres_schema() as url:
            storage = Storage(url)
            await storage.open()
            try:
                await _check_history(storage, history_ops)
            finally:
                await storage.close()

    asyncio.run(run())


# Completions both ways (the answers given by the caller on odd hours, read by storage on even), a
# retake that replaces a counted result, and one started in DMs: every case of a result's rollups.
RETAKES = [
    ("start", 0, 11, 1),
    ("answer", 0, 1, 2),
    ("answer", 0, 2, 3),
    ("complete", 0, "ai", 5),
    ("start", 0, 11, 30),
    ("answer", 0, 0, 31),
    ("complete", 0, "ml", 32),
    ("start", 1, None, 33),
    ("complete", 1, "hybrid", 35),
    ("start", 0, 22, 36),
    ("complete", 0, "hybrid", 37),
    ("start", 0, 11, 60),
    ("answer", 0, 2, 61),
    ("complete", 0, "ai", 61),
]


async def test_results_and_retakes_keep_rollups_equal_to_a_rebuild(database: Path | str) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        await _check_history(storage, RETAKES)
        assert sum((await storage.rollup_rows("stats_results")).values()) > 0
    finally:
        await storage.close()


def test_a_retake_that_is_stopped_leaves_the_finished_session_representative() -> None:
    from bot.storage._rollups import Session

    done = Session(1, T0, T0 + 600, "completed", 13, "v1", "ai", T0, T0 + 600)
    retake = Session(2, T0 + 3 * 86400, T0 + 3 * 86400, "cancelled", 2, "v1", None, None, None)
    day = int(T0 // 86400)
    # Day 0: active then completed the same day, so completed from day 0; the retake changes nothing.
    assert history([done, retake]) == Counter({(1, "completed", day): 1})
    assert history([retake]) == Counter({(2, "cancelled", day + 3): 1})


@pytest.mark.parametrize("hours", [0, 23, 24, 200])
def test_history_of_an_unfinished_session_is_active_until_it_stops(hours: int) -> None:
    from bot.storage._rollups import Session

    stopped = Session(1, T0, T0 + hours * HOUR, "expired", 1, "v1", None, None, None)
    day, end = int(T0 // 86400), int((T0 + hours * HOUR) // 86400)
    expected = (
        Counter({(1, "expired", day): 1})
        if end == day
        else Counter({(1, "active", day): 1, (1, "active", end): -1, (1, "expired", end): 1})
    )
    assert history([stopped]) == expected


async def _one_quiz_each(storage: Storage) -> None:
    for user, guild in ((1, 11), (2, 11), (3, 22)):
        s = await storage.start_session(
            user_id=user, guild_id=guild, origin_channel_id=None, quiz_version="v1", mode="dm", now=T0
        )
        await storage.complete_session(
            s.id,
            expect_position=0,
            position=1,
            answer=("q0", "o1"),
            outcome="ml",
            fit_ai=10,
            fit_ml=90,
            content_version="c",
            now=T0 + 60,
        )
    await storage.start_session(
        user_id=4, guild_id=22, origin_channel_id=None, quiz_version="v1", mode="dm", now=T0 + HOUR
    )


async def test_an_existing_sqlite_database_gets_its_rollups_from_the_migration(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "old.sqlite3")
    await storage.open()
    await _one_quiz_each(storage)
    expected = await _rollups(storage)
    # As a database made before 0005 existed (0006 and 0008 already there), quizzes kept.
    await storage.db.executescript(
        "DROP TABLE stats_funnel; DROP TABLE stats_results; DROP TABLE stats_answers;"
        " DELETE FROM schema_version WHERE version = 5;"
    )
    await storage.close()
    storage = Storage(tmp_path / "old.sqlite3")
    await storage.open()
    try:
        assert await storage.schema_version() >= 5
        assert await _rollups(storage) == expected and expected["stats_answers"]
    finally:
        await storage.close()


async def test_an_existing_postgresql_database_gets_its_rollups_built_at_open(postgres_url: str) -> None:
    storage = Storage(postgres_url)
    await storage.open()
    await _one_quiz_each(storage)
    expected = await _rollups(storage)
    async with storage._tx() as tx:  # as migration 0005 leaves a database that already held quizzes
        for table in TABLES:
            await tx.execute(f"DELETE FROM {table}")
    await storage.close()
    storage = Storage(postgres_url)
    await storage.open()
    try:
        assert await _rollups(storage) == expected and expected["stats_answers"]
    finally:
        await storage.close()
