"""Waiting for the fake's state to satisfy a predicate without fixed sleeps."""
# ruff: noqa: ASYNC109  # the driver API takes timeout= by contract with the tests using it

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable

# Predicates given by tests may read state the fake never sees change (e.g. the bot's attributes);
# those are also re-checked on this period. The driver's own waits rely on pokes alone, so hundreds
# of concurrent interactions do not wake up every few milliseconds.
RECHECK_INTERVAL = 0.01

_Entry = tuple[Callable[[], bool], "asyncio.Future[None]"]


class Watchers:
    """Predicates re-checked whenever the fake's state changes (`poke`).

    A waiter may name the one thing its predicate reads (an interaction, a channel): it is then
    re-checked only by pokes naming that key, or by pokes naming none. With 1,000 members each
    waiting on their own interaction, a poke costs one check instead of 1,000 (bench.quiz_load made
    ~15,000 pokes per phase; re-checking everyone was most of the load generator's CPU).
    """

    def __init__(self) -> None:
        self._waiters: list[_Entry] = []  # no key: re-checked on every poke
        self._keyed: dict[Hashable, list[_Entry]] = {}

    def poke(self, *keys: Hashable) -> None:
        """The state changed; `keys` name what changed (none: anything, so every waiter is re-checked)."""
        if keys:
            entries = [e for key in keys for e in self._keyed.get(key, ())]
        else:
            entries = [e for group in self._keyed.values() for e in group]
        for predicate, future in [*entries, *self._waiters]:
            if future.done():
                continue
            try:
                satisfied = predicate()
            except Exception as exc:
                future.set_exception(exc)
                continue
            if satisfied:
                future.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float,
        *,
        recheck: bool = False,
        key: Hashable | None = None,
    ) -> None:
        """Return once `predicate()` is true; TimeoutError after `timeout` seconds.

        `key`: the predicate reads only state that pokes with this key (or without keys) announce."""
        if predicate():
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (predicate, future)
        group = self._waiters if key is None else self._keyed.setdefault(key, [])
        group.append(entry)
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
            group.remove(entry)
            if key is not None and not group:
                self._keyed.pop(key, None)


def interaction_key(interaction_id: int) -> tuple[str, int]:
    """The key of waits on one interaction's outcome (callback, followups, errors)."""
    return ("interaction", interaction_id)


def channel_key(channel_id: int) -> tuple[str, int]:
    """The key of waits on the bot's posts in one channel."""
    return ("channel", channel_id)
