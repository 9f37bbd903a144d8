"""/compare's columns hold only their own track's lines (issue 11: the outlook columns were swapped)."""

from __future__ import annotations

import re

from bot.compare import TOPICS, compare
from bot.content import Content


def test_each_column_speaks_of_its_own_track(content: Content) -> None:
    names = {t.id: t.name for t in content.careers.tracks}
    for topic in TOPICS:
        for column in compare(content.careers, topic).columns:
            other = next(name for tid, name in names.items() if tid != column.track.id)
            for line in column.lines:
                # Naming the other track's people ("ML Engineers ...") means the line is about them.
                about_other = re.search(rf"\b{other}s?\b", line.text)
                assert about_other is None, f"/compare {topic}, {column.track.name} column: {line.text}"
