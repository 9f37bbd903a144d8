"""The quiz buttons' custom_id formats, in one place: each template (what a click is parsed with) sits
beside the function that builds the id (what a message is sent with)."""

from __future__ import annotations

from cogs._shared import ID

SLUG = r"[a-z0-9-]{1,40}"
OPTION = rf"cq:(?P<sid>{ID}):(?P<q>{SLUG}):(?P<o>{SLUG})"
NAV = rf"cqn:(?P<sid>{ID}):(?P<action>back|cancel)"
RESULT = rf"cqr:(?P<sid>{ID}):(?P<action>share|compare|retake|role|unrole|why|skills|salary|faq)"
START = rf"cqs:(?P<action>resume|restart|here):(?P<sid>{ID})"


def option_id(sid: int, question: str, option: str) -> str:
    return f"cq:{sid}:{question}:{option}"


def nav_id(sid: int, action: str) -> str:
    return f"cqn:{sid}:{action}"


def result_id(sid: int, action: str) -> str:
    return f"cqr:{sid}:{action}"


def start_id(action: str, sid: int) -> str:
    return f"cqs:{action}:{sid}"
