"""The FAQ: a learned answerer (answerer.py), its storage-bound service and the moderators' review."""

from bot.faq import review
from bot.faq.answerer import SMALL_TALK_REPLY, FaqRetriever, Match, training_set
from bot.faq.service import FaqService

__all__ = ["SMALL_TALK_REPLY", "FaqRetriever", "FaqService", "Match", "review", "training_set"]
