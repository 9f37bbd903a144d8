"""The playground: the real CareerBot against the loopback fake Discord, played from a local web page.

It lives beside `bot/` rather than inside it because it drives `fakediscord` (a Discord stand-in), while
`bot/` stays a Discord-free core; it is a development tool, like `bench/`, not part of the bot.
"""
