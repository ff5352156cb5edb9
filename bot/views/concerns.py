"""The concerns register in Slack: what a later round's message says of earlier concerns, and the revise form's
"this round answers it" checkboxes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.concerns import Carried, Concern, carried_into, open_concerns
from bot.domain.consensus import LABELS, Decision
from bot.views import blocks as bk
from bot.views.ids import Action, Block

# A later round's message gives the register at most this many sections (of Slack's 3,000 characters each), so the
# message stays well inside Slack's 50 blocks. Lines are cut shorter before any is left out, and then the previous
# round's blocks are the last to go (with hundreds of distinct blocks even they are counted rather than listed).
SECTIONS = 4
SECTION_MAX = 3000
WIDTHS = (300, 150, 80)
# Checkboxes hold ten options each; the form lists at most this many groups and counts the rest.
PER_GROUP = 10
GROUPS = 5


def _line(concern: Concern, width: int) -> str:
    partners = f" · {bk.escape(bk.clip(', '.join(concern.partners), 100))}" if concern.partners else ""
    return f"• *{LABELS[concern.level]}*{partners} · round {concern.round_raised}: {bk.escape(bk.clip(concern.text, width))}"


def _sections(carried: Carried, kept: set[int], omitted: int, width: int) -> list[str] | None:
    """The register's lines packed into sections, or None when they need more than SECTIONS."""
    lines: list[str] = []
    for heading, concerns in (("*Answers:*", carried.answers), ("*Still open:*", carried.still_open)):
        shown = [c for c in concerns if c.id in kept]
        if shown:
            lines += [heading, *(_line(c, width) for c in shown)]
    if omitted:
        lines.append(f"_…and {omitted} more; `alliancebot export decisions` has the whole register._")
    sections = [""]
    for line in lines:
        if sections[-1] and len(sections[-1]) + 1 + len(line) > SECTION_MAX:
            sections.append("")
        sections[-1] = f"{sections[-1]}\n{line}" if sections[-1] else line
    return sections if len(sections) <= SECTIONS else None


def carried_blocks(decision: Decision) -> list[bk.Block]:
    """From round 2 on: the earlier concerns this round answers and those still open (a concern that blocked the
    previous round is always among them, answered or not)."""
    if decision.round_number < 2:
        return []
    carried = carried_into(decision.concerns, decision.round_number)
    ranked = [c.id for _, c in carried.ranked(decision.round_number)]
    if not ranked:
        return []
    for width in WIDTHS:
        texts = _sections(carried, set(ranked), 0, width)
        if texts is not None:
            return [bk.section(t) for t in texts]
    # Too many even at the narrowest: keep the most that fit, previous-round blocks first (fewer always fit).
    low, high = 0, len(ranked) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if _sections(carried, set(ranked[:middle]), len(ranked) - middle, WIDTHS[-1]) is not None:
            low = middle
        else:
            high = middle - 1
    return [bk.section(t) for t in _sections(carried, set(ranked[:low]), len(ranked) - low, WIDTHS[-1]) or ()]


def _option(concern: Concern) -> dict[str, Any]:
    where = f"Raised in round {concern.round_raised}" + (f" · {', '.join(concern.partners)}" if concern.partners else "")
    return {**bk.option(f"{LABELS[concern.level]}: {concern.text}", str(concern.id)), "description": bk.plain(where, 75)}


def answer_inputs(decision: Decision) -> list[bk.Block]:
    """The revise form's open concerns, as checkboxes "this round answers it" (ten to a group, as Slack allows), with
    the earlier rounds' open ones written out in full (this round's are listed above them)."""
    found = open_concerns(decision.concerns)
    if not found:
        return []
    out: list[bk.Block] = []
    older = [c for c in found if c.round_raised < decision.round_number]
    if older:
        out.append(bk.section(("*Still open from earlier rounds:*\n" + "\n".join(_line(c, 400) for c in older))[:SECTION_MAX]))
    listed = found[:PER_GROUP * GROUPS]
    for n, start in enumerate(range(0, len(listed), PER_GROUP)):
        group = listed[start:start + PER_GROUP]
        label = "This round answers" if len(listed) <= PER_GROUP else f"This round answers (concerns {start + 1}–{start + len(group)})"
        out.append({"type": "input", "block_id": f"{Block.CONCERNS_ANSWERED}_{n}", "optional": True, "label": bk.plain(label),
                    "hint": bk.plain(f"Ticked concerns show as answered in round {decision.round_number + 1}'s message; the others stay open."),
                    "element": {"type": "checkboxes", "action_id": Action.CONCERNS_ANSWERED, "options": [_option(c) for c in group]}})
    if len(found) > len(listed):
        out.append(bk.context(f"{len(found) - len(listed)} more open concerns are not listed here; they stay open."))
    return out


def answered(values: Mapping[str, Any]) -> tuple[int, ...]:
    """The concerns ticked in the revise form, by id; anything else in the state (a forged payload) is ignored."""
    ids: list[int] = []
    for block_id, value in values.items():
        if str(block_id).startswith(Block.CONCERNS_ANSWERED) and isinstance(value, list):
            ids += [int(v) for v in value if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 12]
    return tuple(dict.fromkeys(ids))


def register_record(decision: Decision) -> list[dict[str, Any]]:
    """The register as exported: each concern, its round, level, partners, status and the round that answered it; the
    people who raised it only in a named decision."""
    return [{"round": c.round_raised, "level": c.level.value, "partners": list(c.partners), "concern": c.text, "status": c.status.value,
             "addressed_in_round": c.addressed_in_round, **({} if decision.anonymous else {"raised_by": list(c.raised_by or ())})}
            for c in decision.concerns]


def register_cell(register: Sequence[Mapping[str, Any]], round_number: int) -> str:
    """A CSV row's register: the concerns its round raised and where each stands."""
    def where(c: Mapping[str, Any]) -> str:
        return f"addressed in round {c['addressed_in_round']}" if c["status"] == "addressed" else str(c["status"])
    return " | ".join(f"{c['level']}" + (f" ({', '.join(c['partners'])})" if c["partners"] else "") + f": {c['concern']} [{where(c)}]"
                      for c in register if c["round"] == round_number)
