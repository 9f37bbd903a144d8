"""The quiz's Discord surface: ``cog`` (the command), ``items`` (buttons), ``flows`` (what clicks do),
``views`` and ``render`` (what members see), ``ids`` (the custom_id formats)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.quiz.cog import CareerQuiz
from cogs.quiz.items import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.client import CareerBot


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(CareerQuiz(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
