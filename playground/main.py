"""`careerbot playground`: start the fake Discord, the bot and the page, and serve until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import tempfile
from pathlib import Path

from aiohttp import web

from .web import allow_port, build_app
from .world import Playground

HOST = "127.0.0.1"  # never another interface: the page drives the bot with no login


async def serve(port: int, content_dir: Path, db_path: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="careerbot-playground-") as tmp:
        play = Playground(content_dir, db_path or Path(tmp) / "playground.sqlite3")
        app = build_app(play)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            # Bind the page first: a busy port fails at once, before a bot is started for nothing.
            await web.TCPSite(runner, HOST, port).start()
            port = runner.addresses[0][1]
            allow_port(app, port)
            await play.start()
            print(f"careerbot playground: http://{HOST}:{port}  (Ctrl-C stops it)", flush=True)
            stop = asyncio.Event()
            # SIGTERM (systemd, a test harness) stops as cleanly as Ctrl-C: the temporary database goes too.
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()
            await play.stop()
