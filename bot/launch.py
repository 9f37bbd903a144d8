"""The process entry (`careerbot`, `python -m bot`): start-up tuned for a long-lived bot, then bot.cli.

Start-up allocates what the process keeps for its whole life (modules, content, discord.py's state), so
the cyclic garbage collector finds nothing to free while it imports; paused meanwhile, it saved ~80 ms
of a ~0.9 s start to READY here (bench/startup.py). What start-up made is then frozen out of every
later collection. careerbot uses no pydantic plugins: saying so spares pydantic a scan of every
installed package's entry points when the first model is built.

Only the process entry does this: tests and tools that import bot.cli keep Python's defaults.
"""

from __future__ import annotations

import gc
import os


def main() -> int:
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        from bot import cli
    finally:
        gc.freeze()
        gc.enable()
    return cli.main()
