"""The process entry (`careerbot`, `python -m bot`): start-up tuned for a long-lived bot, then bot.cli.

Start-up allocates what the process keeps for its whole life (modules, content, discord.py's state), so
the cyclic garbage collector finds nothing to free while it imports; paused meanwhile, it saved ~80 ms
of a ~0.9 s start to READY here (bench/startup.py). What start-up made is then frozen out of every
later collection. careerbot uses no pydantic plugins: saying so spares pydantic a scan of every
installed package's entry points when the first model is built.

Running, the young generation is collected every YOUNG allocations instead of Python's 700. A click
allocates thousands of short-lived containers (an interaction's payload, its reply), nearly all freed
by reference counting; at 700 the collector ran about twice per click and a full collection about
once a second under load, together ~15% of the bot's CPU (bench.quiz_load, 1,000 members). At YOUNG
they take ~7% and a full collection is rare; what waits for collection meanwhile is a few MB at most.

Only the process entry does this: tests and tools that import bot.cli keep Python's defaults.
"""

from __future__ import annotations

import gc
import os

YOUNG = 10_000


def main() -> int:
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        from bot import cli
    finally:
        gc.freeze()
        gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
        gc.enable()
    return cli.main()
