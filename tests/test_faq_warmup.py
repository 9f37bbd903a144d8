"""The bot connects without waiting for the FAQ answerer's fit; questions asked meanwhile get a short
"warming up" reply, and the same question is answered once the fit is done. The fit is held back by an
injected gate (as a clock would be injected), so what members see in that window is deterministic."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from discord.ext import commands

from bot.client import CareerBot
from bot.content import Content, Faq
from bot.faq import FaqRetriever
from bot.faq_warmup import WARMING
from fakediscord import FakeDiscord
from tests.conftest import make_settings
from tests.quiz_paths import db_rows


async def test_faq_warms_up_after_ready_and_answers_once_fitted(
    fake: FakeDiscord, tmp_path: Path, content: Content
) -> None:
    guild, alice = fake.add_guild(name="Career Hub"), fake.add_user("alice")
    fake.add_member(guild, alice)
    gate = threading.Event()

    def held_fit(faq: Faq) -> FaqRetriever:
        gate.wait(60)
        return FaqRetriever(faq)

    settings = make_settings(fake, tmp_path)
    bot = CareerBot(settings, content, faq_fit=held_fit)
    token = settings.discord_token
    assert token is not None
    task = asyncio.create_task(bot.start(token.get_secret_value()))
    try:
        # Connected (gateway READY) while the answerer is still held back.
        await asyncio.wait_for(commands.AutoShardedBot.wait_until_ready(bot), 15)
        assert not bot.faq.ready

        res = await fake.invoke(alice, "faq", guild=guild, options={"question": "which one pays more"})
        assert res.ephemeral and res.content == WARMING
        # Autocomplete and the topic list work from the content alone meanwhile.
        choices = await fake.autocomplete(alice, "faq", focused="question", value="pay", guild=guild)
        assert choices and all("pay" in c["name"].lower() or "salar" in c["name"].lower() for c in choices)
        # A mention gets the same short reply in the channel, not silence or a traceback.
        await fake.send_message(alice, guild.general, "which one pays more?", guild=guild)
        reply = await fake.wait_channel_message(guild.general)
        assert reply.content == WARMING
        quiz = await fake.invoke(alice, "careerquiz", guild=guild)
        assert "Check your DMs" in quiz.content
        assert db_rows(tmp_path / "careerbot.sqlite3", "SELECT count(*) FROM faq_queries") == [(0,)]

        gate.set()
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        res = await fake.invoke(alice, "faq", guild=guild, options={"question": "which one pays more"})
        entry = content.faq.entry("pays-more")
        assert entry is not None and res.embeds[0]["title"] == entry.question
    finally:
        gate.set()
        await bot.close()
        await asyncio.wait_for(task, 10)
