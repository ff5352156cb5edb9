"""The App Home tab, built from sections each feature contributes, most urgent first, ≤ 100 blocks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.views import blocks as bk

MAX_BLOCKS = 100  # Slack's limit for a Home tab
# Every section costs its header and a divider; a trailing "and N more" context costs one more.
SECTION_OVERHEAD = 2


@dataclass(frozen=True)
class HomeSection:
    """One part of the Home tab: `blocks` most urgent first; `hidden_count` items left out already.

    `urgency` orders sections (higher first). A section's `blocks` are whole units: the builder
    may cut it short, counting what it cut as more hidden items, so keep one item per block where
    you can (or pass `item_sizes`).
    """

    title: str
    blocks: list[dict[str, Any]]
    urgency: int
    hidden_count: int = 0
    item_sizes: tuple[int, ...] = field(default=())

    def sizes(self) -> tuple[int, ...]:
        """How many blocks each item takes."""
        return self.item_sizes or (1,) * len(self.blocks)


def _cut(section: HomeSection, room: int) -> tuple[list[dict[str, Any]], int]:
    """As many whole items as fit in `room` blocks, and how many items were left out."""
    kept: list[dict[str, Any]] = []
    start, sizes = 0, section.sizes()
    for index, size in enumerate(sizes):
        if len(kept) + size > room:
            return kept, len(sizes) - index
        kept.extend(section.blocks[start:start + size])
        start += size
    return kept, 0


def merged(sections: list[HomeSection]) -> list[HomeSection]:
    """Sections of the same title as one (a person's work gathered from several installations' shared channels)."""
    by_title: dict[str, HomeSection] = {}
    for section in sections:
        first = by_title.get(section.title)
        by_title[section.title] = section if first is None else HomeSection(
            first.title, first.blocks + section.blocks, max(first.urgency, section.urgency),
            first.hidden_count + section.hidden_count, first.sizes() + section.sizes())
    return list(by_title.values())


def home_view(sections: list[HomeSection], *, intro: str | None = None) -> dict[str, Any]:
    """The Home tab: sections by urgency (those of one title merged), each cut to fit, with a count of what did not."""
    ordered = sorted(merged(sections), key=lambda s: -s.urgency)
    out: list[dict[str, Any]] = [bk.header("Your alliance work")]
    if intro:
        out.append(bk.context(intro))
    if not ordered:
        out.append(bk.section("Nothing waiting for you. :tada:"))
    for number, section in enumerate(ordered):
        # Keep room for the heading, divider and the "more" line of every later section.
        reserved = sum(SECTION_OVERHEAD + 1 for _ in ordered[number + 1:])
        room = MAX_BLOCKS - len(out) - reserved - SECTION_OVERHEAD - 1
        kept, cut = _cut(section, max(room, 0))
        out.append(bk.divider())
        out.append(bk.section(f"*{bk.escape(section.title)}*"))
        out.extend(kept if kept or section.blocks else [bk.context("Nothing here.")])
        hidden = section.hidden_count + cut
        if hidden:
            out.append(bk.context(f"…and {hidden} more."))
    return {"type": "home", "blocks": out[:MAX_BLOCKS]}
