"""Waiting for the fake's state to satisfy a predicate without polling loops or fixed sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Watchers:
    """Predicates re-checked whenever the fake's state changes (`poke`)."""

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def poke(self) -> None:
        for entry in list(self._waiters):
            predicate, future = entry
            if future.done():
                self._waiters.remove(entry)
                continue
            try:
                satisfied = predicate()
            except Exception as exc:
                future.set_exception(exc)
                self._waiters.remove(entry)
                continue
            if satisfied:
                future.set_result(None)
                self._waiters.remove(entry)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Return once `predicate()` is true; TimeoutError after `timeout` seconds."""
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)
