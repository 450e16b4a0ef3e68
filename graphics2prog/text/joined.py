"""Several texts that belong to one shape read as one label: top to bottom, then left to right
(a task's name written over two lines, or as words the reader found apart)."""
from __future__ import annotations

from typing import Optional, Sequence

from ..shapes import Text, ordered_box
from .attach import Attachment
from .config import LabelConfig


def _level(a: Text, b: Text, share: float) -> bool:
    """Whether two texts share `share` of the smaller one's height (one row)."""
    a, b = ordered_box(*a.coords()), ordered_box(*b.coords())
    shared = min(a[3], b[3]) - max(a[1], b[1])
    return shared >= share * min(a[3] - a[1], b[3] - b[1])


def reading_order(texts: Sequence[Text], config: Optional[LabelConfig] = None) -> list[int]:
    """Indices of the texts top to bottom (y up: the highest first), then left to right
    within a row (texts level with the row's first)."""
    config = config or LabelConfig()
    rows: list[list[int]] = []
    for i in sorted(range(len(texts)), key=lambda i: -max(texts[i].y1, texts[i].y2)):
        if rows and _level(texts[rows[-1][0]], texts[i], config.row_overlap):
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda i: min(texts[i].x1, texts[i].x2))]


def join_texts(texts: Sequence[Text], config: Optional[LabelConfig] = None) -> str:
    """The texts' words in reading order, joined by config.joiner."""
    config = config or LabelConfig()
    return config.joiner.join(texts[i].text for i in reading_order(texts, config))


def join_attached(texts: Sequence[Text], attachments: Sequence[Attachment],
                  config: Optional[LabelConfig] = None
                  ) -> tuple[list[Text], list[Attachment]]:
    """One text per shape and role: the texts attached alike become one Text (the union of
    their boxes, their words in reading order); free texts stay as they are. Returns the new
    texts and their attachments (indices into the new texts; shapes' indices unchanged)."""
    groups: dict = {}
    for a in attachments:
        key = (a.shape, a.role) if a.shape is not None else ("free", a.text)
        groups.setdefault(key, []).append(a)
    new_texts, new_atts = [], []
    for members in groups.values():
        parts = [texts[a.text] for a in members]
        boxes = [ordered_box(*t.coords()) for t in parts]
        merged = Text(min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes),
                      join_texts(parts, config))
        first = members[0]
        new_atts.append(Attachment(len(new_texts), first.shape, first.role, merged,
                                   first.shape_primitive))
        new_texts.append(merged)
    return new_texts, new_atts
