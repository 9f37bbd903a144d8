"""Quiz steps on PostgreSQL, written together: the clicks that reach storage in one pass of the event
loop go to the database as one statement.

Under load a round trip costs the bot more than the statement costs the server: a pool checkout, a
send and a receive, and a wake-up, each on a busy loop, for every click. Hundreds of members clicking at
once arrive in the same passes, so a click shares all of that with the others that arrived with it
(bench.quiz_load). With one member clicking, a batch holds one step and waits for nothing: it is
sent in the next pass of the loop.

Each step keeps its own guard, so a batch writes exactly what the steps written one by one would. A
session is in at most one statement at a time (a double click waits for the statement holding the first
click), so this process's statements never wait on each other's row locks. A statement that fails
is not the end of its clicks: each step is then written on its own, and each click learns its own
outcome. That covers a step the database refuses, and two processes writing the same sessions at once
(rare: Discord sends a member's DM clicks to one shard), which could lock them in opposite orders until
PostgreSQL ends one statement. The price of sharing: a row lock held elsewhere on one member's session
(an expiry sweep, say) holds the other steps of its statement back as long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.storage._driver import Row


@dataclass(frozen=True, slots=True)
class Step:
    """Move an active session from ``expect_position`` (and, given, ``expect_updated_at``) to
    ``position``, with the answer given there if any."""

    session_id: int
    expect_position: int
    expect_updated_at: float | None
    position: int
    now: float
    answer: tuple[str, str] | None


# Writes the steps (distinct sessions) in one statement; returns the rows of the sessions it moved.
Write = Callable[[Sequence[Step]], Awaitable[Sequence[Row]]]


class StepBatches:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._next: list[tuple[Step, asyncio.Future[Row | None]]] = []
        # Every session in the next batch or in a statement under way: a gate opened when its step
        # is written or has failed (apart from the clicking task's own future, which it may cancel).
        self._busy: dict[int, asyncio.Future[None]] = {}
        self._writing: set[asyncio.Task[None]] = set()

    async def write(self, step: Step) -> Row | None:
        """The session's row as the step left it, or None if its guard did not hold."""
        while (ahead := self._busy.get(step.session_id)) is not None:
            await asyncio.wait([ahead])  # the same session's earlier click first; its outcome is its own
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Row | None] = loop.create_future()
        if not self._next:
            loop.call_soon(self._send)
        self._next.append((step, done))
        self._busy[step.session_id] = loop.create_future()
        return await done

    def _send(self) -> None:
        batch, self._next = self._next, []
        task = asyncio.ensure_future(self._run(batch))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _run(self, batch: list[tuple[Step, asyncio.Future[Row | None]]]) -> None:
        try:
            rows = await self._write([step for step, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                self._finish(*batch[0], exc)
                return
            # One step may be what failed (or a lock cycle with another process's statement): each
            # is written on its own, and each click learns its own outcome.
            for step, done in batch:
                try:
                    own = await self._write([step])
                except Exception as own_exc:
                    self._finish(step, done, own_exc)
                else:
                    self._finish(step, done, own[0] if own else None)
            return
        except BaseException:  # cancelled (shutting down): so are the clicks waiting for it
            for step, done in batch:
                self._finish(step, done, None, cancel=True)
            raise
        moved = {int(row["id"]): row for row in rows}
        for step, done in batch:
            self._finish(step, done, moved.get(step.session_id))

    def _finish(
        self,
        step: Step,
        done: asyncio.Future[Row | None],
        outcome: Row | Exception | None,
        *,
        cancel: bool = False,
    ) -> None:
        self._busy.pop(step.session_id).set_result(None)
        if done.done():  # the clicking task was cancelled: the write stands, nobody waits for it
            return
        if cancel:
            done.cancel()
        elif isinstance(outcome, Exception):
            done.set_exception(outcome)
        else:
            done.set_result(outcome)

    async def drain(self) -> None:
        """Wait for every statement under way or about to be sent (before the pool closes)."""
        while self._writing or self._next:
            if self._writing:
                await asyncio.wait(self._writing)
            else:
                await asyncio.sleep(0)  # the next batch is sent in this pass
