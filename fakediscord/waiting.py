"""Waiting for the fake's state to satisfy a predicate without fixed sleeps."""
# ruff: noqa: ASYNC109  # the driver API takes timeout= by contract with the tests using it

from __future__ import annotations

import asyncio
from collections.abc import Callable

# Predicates given by tests may read state the fake never sees change (e.g. the bot's attributes);
# those are also re-checked on this period. The driver's own waits rely on pokes alone, so hundreds
# of concurrent interactions do not wake up every few milliseconds.
RECHECK_INTERVAL = 0.01


class Watchers:
    """Predicates re-checked whenever the fake's state changes (`poke`)."""

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def poke(self) -> None:
        for entry in list(self._waiters):
            predicate, future = entry
            if future.done():
                continue
            try:
                satisfied = predicate()
            except Exception as exc:
                future.set_exception(exc)
                continue
            if satisfied:
                future.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float, *, recheck: bool = False) -> None:
        """Return once `predicate()` is true; TimeoutError after `timeout` seconds."""
        if predicate():
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        deadline = loop.time() + timeout
        try:
            while not future.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait(
                    {future}, timeout=min(remaining, RECHECK_INTERVAL) if recheck else remaining
                )
                if not future.done() and predicate():
                    return
            future.result()
        finally:
            self._waiters.remove(entry)
