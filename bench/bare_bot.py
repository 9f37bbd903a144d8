"""The baseline bot for benchmarks: plain discord.py, `/ping`, and a click-through quiz that answers
each click with the very payload careerbot sends at that step (same embed, same components).

Run as a process (`python -m bench.bare_bot`) with DISCORD_TOKEN, DISCORD_API_BASE_URL and
DISCORD_GATEWAY_URL set, exactly like careerbot, so both are measured the same way. BARE_PAYLOADS
names a JSON file of careerbot's messages for one journey (bench/quiz_load.py captures it); without
it the quiz has one plain step per click.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
from typing import Any

import discord
import yarl
from discord import ui
from discord.ext import commands

log = logging.getLogger("bare")

# The bot uses no voice (as careerbot): no warnings about voice libraries.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

# Step n's message: {"embeds": [...], "components": [...]}, exactly as careerbot sent it.
PAYLOADS: list[dict[str, Any]] = []
STEP_OF_QUESTION: dict[str, int] = {}


def _view(step: int) -> ui.View:
    """Step ``step``'s components rebuilt as discord.py objects, every click (as careerbot does)."""
    view = ui.View(timeout=None)
    for row, action_row in enumerate(PAYLOADS[step]["components"] if PAYLOADS else []):
        for c in action_row["components"]:
            button: ui.Button[Any] = ui.Button(
                label=c.get("label"),
                style=discord.ButtonStyle(c.get("style", 2)),
                custom_id=c.get("custom_id"),
                url=c.get("url"),
                disabled=c.get("disabled", False),
                emoji=discord.PartialEmoji.from_dict(c["emoji"]) if c.get("emoji") else None,
                row=row,
            )
            view.add_item(button)
    if not PAYLOADS:
        view.add_item(ui.Button(label=f"Step {step}", custom_id=f"b:{step}"))
    return view


def _embed(step: int) -> discord.Embed:
    if not PAYLOADS:
        return discord.Embed(title=f"Static {step}")
    return discord.Embed.from_dict(PAYLOADS[step]["embeds"][0])


class Step(ui.DynamicItem[ui.Button[Any]], template=r"(?:cq:\d+:(?P<q>[a-z0-9-]+):[a-z0-9-]+|b:(?P<n>\d+))"):
    def __init__(self, step: int) -> None:
        self.step = step
        super().__init__(ui.Button(label="·", custom_id=f"b:{step}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: ui.Item[Any], match: re.Match[str], /
    ) -> Step:
        return cls(STEP_OF_QUESTION.get(match["q"] or "", 0) if match["q"] else int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        following = min(self.step + 1, len(PAYLOADS) - 1) if PAYLOADS else self.step + 1
        await interaction.response.edit_message(embed=_embed(following), view=_view(following))


class Bare(commands.Bot):
    async def setup_hook(self) -> None:
        self.add_dynamic_items(Step)

        @self.tree.command(name="ping", description="pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="careerquiz", description="static baseline")
        async def start(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                message = await interaction.user.send(embed=_embed(0), view=_view(0))
                text = f"Check your DMs {message.jump_url}"
            except discord.HTTPException as exc:
                # Always follow up: a deferral left hanging is a failed interaction for the member.
                text = f"I couldn't send you a DM ({exc.status})."
            await interaction.followup.send(text, ephemeral=True)

        del ping, start
        await self.tree.sync()

    async def on_ready(self) -> None:
        log.warning("connected as %s", self.user)


def load_payloads() -> None:
    path = os.environ.get("BARE_PAYLOADS")
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        PAYLOADS.extend(json.load(f))
    for step, payload in enumerate(PAYLOADS):
        for row in payload["components"]:
            for c in row["components"]:
                match = re.fullmatch(r"cq:\d+:(?P<q>[a-z0-9-]+):[a-z0-9-]+", c.get("custom_id", ""))
                if match:
                    STEP_OF_QUESTION[match["q"]] = step


async def main() -> None:
    load_payloads()
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    bot = Bare(
        command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
