"""Quiz steps that reach storage in the same pass of the event loop (bot/storage/_steps.py): on
PostgreSQL they share one statement, and each keeps its own guard, so what the database holds is what
the steps written one by one would have left."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.storage import SessionRow, Storage, StorageUnavailable
from bot.storage._driver import Row
from bot.storage._steps import Step, StepBatches


@pytest.fixture
async def storage(database: Path | str) -> AsyncIterator[Storage]:
    s = Storage(database)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def start(storage: Storage, user_id: int) -> SessionRow:
    return await storage.start_session(
        user_id=user_id, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=100.0
    )


def step(
    storage: Storage, row: SessionRow, *, expect: int = 0, answer: str = "a"
) -> asyncio.Task[SessionRow | None]:
    return asyncio.create_task(
        storage.save_progress(
            row.id,
            expect_position=expect,
            expect_updated_at=row.updated_at,
            position=expect + 1,
            status="active",
            now=101.0,
            answer=(f"q{expect + 1}", answer),
        )
    )


async def answers(storage: Storage) -> dict[int, dict[str, str]]:
    rows = await storage._all("SELECT session_id, question_id, option_id FROM quiz_answers")
    out: dict[int, dict[str, str]] = {}
    for r in rows:
        out.setdefault(int(r["session_id"]), {})[str(r["question_id"])] = str(r["option_id"])
    return out


def count_statements(storage: Storage) -> list[int]:
    """How many steps each statement carried (a pass-through probe on the write, which still runs)."""
    sizes: list[int] = []
    write = storage._steps._write

    async def counted(steps: Sequence[Step]) -> Sequence[Row]:
        sizes.append(len(steps))
        return await write(steps)

    storage._steps._write = counted
    return sizes


async def test_members_clicking_together_share_one_statement(storage: Storage) -> None:
    rows = [await start(storage, user) for user in range(1, 21)]
    sizes = count_statements(storage)
    moved = await asyncio.gather(*(step(storage, row) for row in rows))
    assert [m.position if m else None for m in moved] == [1] * 20
    assert await answers(storage) == {row.id: {"q1": "a"} for row in rows}
    if storage.is_postgres:
        assert sizes == [20]


async def test_a_stale_click_in_a_batch_writes_nothing_and_spares_the_others(storage: Storage) -> None:
    fresh, stale = await start(storage, 1), await start(storage, 2)
    moved = await asyncio.gather(step(storage, fresh), step(storage, stale, expect=3))
    assert moved[0] is not None and moved[0].position == 1
    assert moved[1] is None
    assert await answers(storage) == {fresh.id: {"q1": "a"}}
    assert (await storage.session(stale.id)) == stale


async def test_a_double_click_in_one_pass_is_written_once(storage: Storage) -> None:
    row = await start(storage, 1)
    sizes = count_statements(storage)
    first, second = await asyncio.gather(step(storage, row, answer="a"), step(storage, row, answer="b"))
    # The first click moved the session; the second, guarded by the same position, found it moved.
    assert first is not None and first.position == 1
    assert second is None
    assert await answers(storage) == {row.id: {"q1": "a"}}
    if storage.is_postgres:
        assert sizes == [1, 1]  # the same session is never in two statements at once


async def test_a_failed_statement_tells_every_click_in_it(postgres_url: str) -> None:
    storage = Storage(postgres_url)
    await storage.open()
    try:
        rows = [await start(storage, user) for user in (1, 2, 3)]
        # No connection can be had: the pool is closed under the clicks.
        await storage._pool.close()
        outcomes = await asyncio.gather(*(step(storage, row) for row in rows), return_exceptions=True)
        assert all(isinstance(o, StorageUnavailable) for o in outcomes), outcomes
        assert len({id(o) for o in outcomes}) == 3  # each click reports its own error
    finally:
        storage._pool = None
        await storage.close()


async def test_a_failed_statement_writes_each_step_alone_and_fails_only_its_own_click() -> None:
    """A statement can fail for one step's sake, or be ended by PostgreSQL when another process's
    statement locks the same sessions in the opposite order: its steps are then written one by one."""
    sent: list[list[int]] = []

    async def write(steps: Sequence[Step]) -> Sequence[Row]:
        sent.append([s.session_id for s in steps])
        if len(steps) > 1 or steps[0].session_id == 6:
            raise RuntimeError(f"refused: {[s.session_id for s in steps]}")
        return [{"id": steps[0].session_id, "position": steps[0].position}]  # type: ignore[list-item]

    batches = StepBatches(write)
    outcomes = await asyncio.gather(
        *(batches.write(Step(i, 0, None, 1, 1.0, ("q1", "a"))) for i in (5, 6, 7)), return_exceptions=True
    )
    assert sent == [[5, 6, 7], [5], [6], [7]]
    assert [dict(o) for o in (outcomes[0], outcomes[2])] == [
        {"id": 5, "position": 1},
        {"id": 7, "position": 1},
    ]  # type: ignore[call-overload]
    assert isinstance(outcomes[1], RuntimeError) and str(outcomes[1]) == "refused: [6]"


async def test_a_click_given_up_still_holds_its_session_until_its_statement_ends() -> None:
    """A click whose task is cancelled (shutting down, say) while its statement runs: the next click on
    that session waits for the statement, idle, and is written after it."""
    release, sent = asyncio.Event(), list[int]()

    async def write(steps: Sequence[Step]) -> Sequence[Row]:
        sent.extend(s.position for s in steps)
        await release.wait()
        return [{"id": s.session_id, "position": s.position} for s in steps]  # type: ignore[misc]

    batches = StepBatches(write)
    first = asyncio.create_task(batches.write(Step(5, 0, None, 1, 1.0, ("q1", "a"))))
    while not sent:  # noqa: ASYNC110  (the statement is under way)
        await asyncio.sleep(0)
    first.cancel()
    second = asyncio.create_task(batches.write(Step(5, 1, None, 2, 2.0, ("q2", "a"))))
    await asyncio.wait([first])
    for _ in range(10):
        await asyncio.sleep(0)
    assert not second.done() and sent == [1]
    assert not batches._busy[5].done()  # the gate the second click waits on, closed: nothing spins
    release.set()
    assert dict(await second) == {"id": 5, "position": 2}  # type: ignore[call-overload]
    assert sent == [1, 2]
