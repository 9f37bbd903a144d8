"""`careerbot` / `python -m bot`: run, check, sync, db, quiz, ask, faq.

Every failure a person can cause (missing token, broken content, unusable database) ends with one
clear line on stderr and exit code 2; a token Discord rejects ends with exit code 1. No tracebacks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord
from pydantic import ValidationError

from bot.content import Content, ContentError, dump_for_check, load_content
from bot.faq import SMALL_TALK_REPLY, FaqRetriever, Match
from bot.settings import Settings, database_target
from bot.storage import Storage, StorageError, copy_database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class Fatal(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in err["loc"]).upper()
        raise Fatal(f"setting {field}: {err['msg']} (see .env.example)") from None


def _content(settings: Settings, *, cache: bool = True) -> Content:
    try:
        return load_content(settings.content_dir, cache_dir=settings.cache_dir if cache else None)
    except ContentError as exc:
        raise Fatal(str(exc)) from None


def _token(settings: Settings) -> str:
    if settings.discord_token is None:
        raise Fatal("DISCORD_TOKEN is not set: copy .env.example to .env and put your bot token there")
    return settings.discord_token.get_secret_value()


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # discord.py's own INFO lines are useful; its DEBUG gateway payloads are noise.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(settings.log_level)))


async def _run_bot(settings: Settings, content: Content, *, sync_only: bool, guild: int | None) -> None:
    from bot.client import CareerBot

    token = _token(settings)
    bot = CareerBot(settings, content)
    if sync_only:
        bot.force_sync = (True, guild)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    try:
        async with bot:
            if sync_only:
                await bot.login(token)  # setup_hook runs here and performs the forced sync
            else:
                await bot.start(token)
    except discord.LoginFailure:
        raise Fatal("Discord rejected DISCORD_TOKEN: check the token in .env", EXIT_REJECTED) from None
    except discord.PrivilegedIntentsRequired:
        raise Fatal("Discord refused a privileged intent; careerbot needs none", EXIT_REJECTED) from None
    except StorageError as exc:
        raise Fatal(str(exc), exc.code) from None
    except (aiohttp.ClientError, OSError) as exc:
        where = settings.discord_api_base_url or "discord.com"
        raise Fatal(f"cannot reach Discord ({where}): {exc}", EXIT_REJECTED) from None


async def _db(settings: Settings, action: str, target: Path | None) -> str:
    storage = Storage(settings.database)
    try:
        await storage.open()
    except StorageError as exc:
        raise Fatal(str(exc), exc.code) from None
    try:
        if action == "backup":
            assert target is not None
            await storage.backup(target)
            return f"backed up {storage.where} to {target}"
        return f"{storage.where}: schema version {await storage.schema_version()}"
    finally:
        await storage.close()


def _database_arg(url: str) -> Path | str:
    if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise Fatal("db copy takes URLs: sqlite:///path/to/file.sqlite3 or postgresql://user@host/db")
    return database_target(url)


async def _db_copy(source_url: str, target_url: str, *, force: bool) -> str:
    """Copy, then check; prints where (host:port or file), never a URL that may carry a password."""
    source, target = Storage(_database_arg(source_url)), Storage(_database_arg(target_url))
    try:
        for storage in (source, target):
            await storage.open()
        report = await copy_database(source, target, force=force)
    except StorageError as exc:
        raise Fatal(str(exc), exc.code) from None
    finally:
        await source.close()
        await target.close()
    lines = [f"  {t.table}: {t.rows} rows" for t in report]
    total = sum(t.rows for t in report)
    return "\n".join(
        [
            f"copied {total} rows in {len(report)} tables from {source.where} to {target.where};"
            " every table's row count and contents match",
            *lines,
        ]
    )


def match_json(match: Match) -> dict[str, object]:
    """One line of `careerbot ask --json`: the answer's id and section, or the declined candidate."""
    if match.entry is not None:
        return {
            "id": match.entry.id,
            "section": match.entry.section,
            "score": round(match.score, 4),
            "declined": False,
        }
    shown: dict[str, object] = {
        "id": None,
        "section": None,
        "score": round(match.score, 4),
        "declined": True,
        "candidate": match.candidate.id,
    }
    if match.small_talk:
        shown["small_talk"] = match.small_talk
    return shown


def _ask(content: Content, args: argparse.Namespace, cache_dir: Path) -> None:
    retriever = FaqRetriever(content.faq, cache_dir=cache_dir)
    questions = sys.stdin if args.stdin else [" ".join(args.question)]
    for line in questions:
        question = line.rstrip("\n")
        match = retriever.ask(question)
        if args.json:
            print(json.dumps(match_json(match), ensure_ascii=False), flush=True)
        elif match.small_talk:
            print(SMALL_TALK_REPLY[match.small_talk], flush=True)
        elif match.entry is None:
            closest = ", ".join(e.topic for e in match.suggestions) or "none"
            print(f"That isn't something the article covers. Closest topics: {closest}", flush=True)
        else:
            note = f"\n\n{match.note}" if match.note else ""
            print(
                f"{match.entry.question}\n\n{match.entry.answer}{note}\n\n(article section: {match.entry.section})"
            )


EXPORT_HEADER = """\
# FAQ examples moderators taught careerbot{where} (`careerbot faq export-taught`).
# To keep them for every server: read them over (drop anything personal or wrong), then merge each
# list into data/faq_examples.yaml under the same key (an entry id, or "none"), and re-run
# `python -m bench.faq` to see the figures move. Never merge into tests/data/.
"""


async def _export_taught(settings: Settings, content: Content, guild: int | None) -> str:
    """The taught examples as YAML shaped like data/faq_examples.yaml (duplicates once, labels of
    entries removed since left out with a note)."""
    import yaml

    from bot.content import NONE_LABEL

    storage = Storage(settings.database)
    try:
        await storage.open()
        rows = await storage.taught(guild)
    except StorageError as exc:
        raise Fatal(str(exc), exc.code) from None
    finally:
        await storage.close()
    order = [e.id for e in content.faq.entries] + [NONE_LABEL]
    grouped: dict[str, list[str]] = {}
    unknown = 0
    for _, question, label in rows:
        if label not in order:
            unknown += 1
            continue
        texts = grouped.setdefault(label, [])
        if question not in texts:
            texts.append(question)
    examples = {label: grouped[label] for label in order if label in grouped}
    where = f" in server {guild}" if guild is not None else ""
    head = EXPORT_HEADER.format(where=where)
    if unknown:
        head += f"# {unknown} example(s) taught for answers no longer in data/faq.yaml are left out.\n"
    if not examples:
        return head + "examples: {}\n"
    body = yaml.safe_dump(
        {"examples": examples}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return head + body


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and serve (default)")
    sub.add_parser("check", help="validate settings and content without a token")
    sync = sub.add_parser("sync", help="force a command sync")
    sync.add_argument("--guild", type=int, default=None, help="sync to this guild instead of globally")
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("migrate", help="apply pending migrations")
    backup = dbsub.add_parser("backup", help="online backup, safe while the bot runs")
    backup.add_argument("path", type=Path)
    copy = dbsub.add_parser("copy", help="copy every table to another database (SQLite <-> PostgreSQL)")
    copy.add_argument("--from", dest="source", required=True, help="sqlite:///… or postgresql://…")
    copy.add_argument("--to", dest="target", required=True, help="sqlite:///… or postgresql://…")
    copy.add_argument("--force", action="store_true", help="replace the rows a non-empty target holds")
    quiz = sub.add_parser("quiz", help="take the career quiz in the terminal")
    quiz.add_argument("--save", action="store_true", help="store the session and result in the database")
    quiz.add_argument("--user-id", type=int, default=0, help="member id to store under with --save")
    ask = sub.add_parser("ask", help="ask the FAQ a question")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--stdin", action="store_true", help="read one question per line until EOF")
    ask.add_argument("question", nargs="*")
    faq = sub.add_parser("faq", help="the FAQ answerer's data")
    faqsub = faq.add_subparsers(dest="faq_command", required=True)
    export = faqsub.add_parser(
        "export-taught", help="print moderators' taught examples as YAML to merge into data/"
    )
    export.add_argument("--guild", type=int, default=None, help="only this server's examples")
    play = sub.add_parser(
        "playground", help="try the bot in a local web page against a fake Discord (no token)"
    )
    play.add_argument("--port", type=int, default=8765, help="page port on 127.0.0.1 (default 8765)")
    play.add_argument(
        "--content-dir", type=Path, default=None, help="content folder to preview (default: data/)"
    )
    play.add_argument(
        "--db", type=Path, default=None, help="keep the database here (default: a temporary one)"
    )
    return parser


def _playground(settings: Settings, args: argparse.Namespace) -> int:
    # Imported here: the playground drives the fake Discord, which `careerbot run` never needs.
    from playground.main import serve

    content_dir = args.content_dir or settings.content_dir
    _content(settings.model_copy(update={"content_dir": content_dir}))  # a broken folder: one line, exit 2
    try:
        asyncio.run(serve(args.port, content_dir, args.db))
    except OSError as exc:
        raise Fatal(f"playground cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = _settings()
        _logging(settings)
        if command == "playground":
            return _playground(settings, args)
        # `check` is how an operator validates edited files: it always parses them.
        content = _content(settings, cache=command != "check")
        if command == "check":
            print(json.dumps({"settings": "ok", **dump_for_check(content)}, indent=2))
        elif command in ("run", "sync"):
            asyncio.run(
                _run_bot(settings, content, sync_only=command == "sync", guild=getattr(args, "guild", None))
            )
        elif command == "db" and args.db_command == "copy":
            print(asyncio.run(_db_copy(args.source, args.target, force=args.force)))
        elif command == "db":
            target = args.path.resolve() if getattr(args, "path", None) else None
            print(asyncio.run(_db(settings, args.db_command, target)))
        elif command == "quiz":
            from bot.quiz.cli import run_terminal_quiz

            return asyncio.run(
                run_terminal_quiz(content, settings, sys.stdin, sys.stdout, args.save, args.user_id)
            )
        elif command == "faq":
            sys.stdout.write(asyncio.run(_export_taught(settings, content, args.guild)))
        elif command == "ask":
            if not args.stdin and not args.question:
                raise Fatal("ask needs a question, or --stdin")
            _ask(content, args, settings.cache_dir)
    except Fatal as exc:
        print(f"careerbot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK
