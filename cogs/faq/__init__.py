"""The FAQ's Discord surface: ``cog`` (/faq and mentions), ``views`` (buttons and menus), ``render``
(what members see) and ``teach`` (moderators teaching their server's answerer from /quizstats faq).

Submodules are imported in ``setup``, so ``cogs.faq.render`` can be imported (by /careerbot-config)
without pulling in the cog and the moderator checks it uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from discord import ui

    from bot.client import CareerBot


def _items() -> tuple[type[ui.DynamicItem[Any]], ...]:
    from cogs.faq.teach import TEACH_ITEMS
    from cogs.faq.views import FAQ_DYNAMIC_ITEMS

    return (*FAQ_DYNAMIC_ITEMS, *TEACH_ITEMS)


async def setup(bot: CareerBot) -> None:
    from cogs.faq.cog import Faq

    bot.add_dynamic_items(*_items())
    await bot.add_cog(Faq(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(*_items())
