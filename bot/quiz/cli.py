"""`careerbot quiz`: the same quiz, same engine and service, in a terminal.

Without --save it runs on a throwaway SQLite file, so the code path is the bot's own and nothing
is kept; with --save it writes to DATABASE_PATH like the bot does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from bot.content import Content, Option
from bot.quiz import summary
from bot.quiz.engine import Explanation, QuizError, Step, option_order
from bot.quiz.service import Progress, QuizService
from bot.settings import Settings
from bot.storage import Storage

EXIT_OK, EXIT_QUIT = 0, 1


def _show_step(step: Step, options: tuple[Option, ...], note: str | None, out: TextIO) -> None:
    if note:
        out.write(f"\n{note}\n")
    if step.announcement:
        out.write(f"\n{step.announcement}\n")
    out.write(f"\n{step.label}  {step.progress_bar}\n{step.question.prompt}\n")
    for i, option in enumerate(options, 1):
        mark = " (your earlier answer)" if option.id == step.selected else ""
        out.write(f"  {i}. {option.label}{mark}\n")
    out.write("Answer with a number, b to go back, q to quit: ")
    out.flush()


def _show_result(ex: Explanation, out: TextIO) -> None:
    """The same words as the DM's result, then its details (a terminal has no buttons)."""
    out.write(f"\n=== {summary.title(ex)} ===\n{summary.result_text(ex)}\n")
    out.flush()


def _show_details(content: Content, ex: Explanation, out: TextIO) -> None:
    for heading, text in (
        ("Why", summary.why(content, ex) + summary.changes(ex)),
        ("Skills to learn", summary.skills(content, ex)),
        ("Salary details", summary.salary(content, ex)),
    ):
        out.write(f"\n--- {heading} ---\n{text}\n")
    out.flush()


async def _drive(service: QuizService, user_id: int, stdin: TextIO, out: TextIO) -> int:
    progress: Progress = await service.start(user_id, guild_id=None, channel_id=None)
    while progress.step is not None:
        step = progress.step
        sid = progress.session.id
        options = option_order(step.question, sid)
        _show_step(step, options, progress.note, out)
        line = stdin.readline()
        if not line:
            out.write("\n(end of input: quiz left unfinished)\n")
            return EXIT_QUIT
        choice = line.strip().lower()
        try:
            if choice in ("q", "quit"):
                await service.cancel(sid, user_id)
                out.write("Quiz cancelled.\n")
                return EXIT_QUIT
            if choice in ("b", "back"):
                progress = await service.back(sid, user_id)
                continue
            if not choice.isdigit() or not 1 <= int(choice) <= len(options):
                out.write(f"Please type a number from 1 to {len(options)}, b or q.\n")
                continue
            progress = await service.answer(sid, user_id, step.question.id, options[int(choice) - 1].id)
        except QuizError as exc:
            out.write(f"{exc}\n")
            return EXIT_QUIT
    assert progress.result is not None and progress.explanation is not None
    _show_result(progress.explanation, out)
    _show_details(service.content, progress.explanation, out)
    return EXIT_OK


async def run_terminal_quiz(
    content: Content, settings: Settings, stdin: TextIO, out: TextIO, save: bool, user_id: int
) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(settings.database if save else Path(tmp) / "quiz.sqlite3")
        await storage.open()
        try:
            service = QuizService(content, storage, idle_hours=settings.quiz_idle_hours)
            return await _drive(service, user_id, stdin, out)
        finally:
            await storage.close()
