"""The channel digest message: one block per item, sections only when non-empty, ≤ 50 blocks in all."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.domain.dates import local_today
from bot.domain.digest import Digest, WaitingDecision, describe
from bot.domain.governance_load import figures_text
from bot.domain.recurrence import Rule
from bot.views import blocks as bk
from bot.views.ids import Command
from bot.views.milestones import milestone_line

Message = tuple[str, list[dict[str, Any]]]
Section = tuple[str, list[str]]
MESSAGE_MAX_BLOCKS = 50  # Slack's limit for a message; the gateway checks it again
HELP = (f"*{Command.DIGEST}* sums up the channel: votes waiting, decisions made, action items, milestones and payments, "
        "meetings this week and assumptions to review.\n"
        f"• `{Command.DIGEST}` — preview it now (only you see it)\n"
        f"• `{Command.DIGEST} weekly mon 09:00 [Area/City]` or `{Command.DIGEST} daily 08:30` — post it on a schedule "
        "(in the alliance's time zone unless you name one)\n"
        f"• `{Command.DIGEST} off` — stop it")


def help_message() -> Message:
    """How /digest works."""
    return "How to use /digest", [bk.section(HELP)]


def _when(epoch: float, fallback: str, pattern: str = "{date_short_pretty}") -> str:
    return bk.date_token(epoch, pattern, fallback)


def _not_voted(decision: WaitingDecision) -> str:
    """Who has not voted: by name, or for an anonymous decision only how many (as its message shows it)."""
    if decision.anonymous:
        return f"{len(decision.not_voted)} of {decision.deciders} (anonymous)"
    return bk.mention_list(list(decision.not_voted), 10)


def sections(digest: Digest) -> list[Section]:
    """(title, item lines) of each non-empty section, in reading order."""
    today = local_today(digest.now, digest.zone)
    out: list[Section] = []

    def add(title: str, items: Sequence[Any], line: Callable[[Any], str]) -> None:
        if items:
            out.append((title, [line(item) for item in items]))

    add(":ballot_box_with_ballot: *Decisions waiting for votes*", digest.waiting,
        lambda d: f"*{d.id}.* {bk.escape(bk.clip(d.proposal, 200))} — not voted: {_not_voted(d)}")
    add(":white_check_mark: *Decided since the last digest*", digest.made,
        lambda d: f"*{d.id}.* {bk.escape(bk.clip(d.proposal, 200))} — *{d.outcome}*")
    add(":warning: *Action items overdue*", digest.overdue_actions,
        lambda a: f"*{a.ref}* {bk.escape(bk.clip(a.text, 200))} · {bk.mention_list(list(a.owner_ids), 5)}"
                  + (f" · was due {a.due.isoformat()}" if a.due else ""))
    add(":spiral_calendar_pad: *Action items due in the next 7 days*", digest.due_soon_actions,
        lambda a: f"*{a.ref}* {bk.escape(bk.clip(a.text, 200))} · {bk.mention_list(list(a.owner_ids), 5)}"
                  + (f" · due {a.due.isoformat()}" if a.due else ""))
    add(":round_pushpin: *Milestones and payments in the next 90 days*", digest.milestones,
        lambda m: milestone_line(m, digest.zone, today))
    add(":busts_in_silhouette: *Meetings this week*", digest.meetings,
        lambda m: f"{bk.escape(bk.clip(m.title, 200))} · "
                  f"{_when(m.starts_at.timestamp(), m.starts_at.strftime('%Y-%m-%d %H:%M UTC'), '{date_short_pretty} {time}')}"
                  f" · {m.duration_minutes} min")
    add(":mag: *Assumptions due for review*", digest.reviews,
        lambda r: f"*{r.decision_id}.* {bk.escape(bk.clip(r.proposal, 150))} — review {_when(r.review_at.timestamp(), r.review_at.strftime('%Y-%m-%d'))}: "
                  + "; ".join(bk.escape(bk.clip(a, 100)) for a in r.assumptions[:5]))
    return out


def health_line(digest: Digest) -> str:
    """Decisions closed, average rounds and cycle time over 90 days."""
    h = digest.health
    if not h.closed:
        return ":bar_chart: Governance, last 90 days: no decisions closed."
    cycle = bk.duration(h.average_cycle.total_seconds()) if h.average_cycle else "–"
    line = (f":bar_chart: Governance, last 90 days: {h.closed} decision{'s' if h.closed != 1 else ''} closed · "
            f"{h.average_rounds:.1f} rounds on average · {cycle} from proposal to decision")
    if digest.load is not None and digest.load.decisions:
        line += f"\n:footprints: Governance load: {figures_text(digest.load)}"
    return line


def _render(parts: list[Section], per_section: int, head: list[dict[str, Any]], tail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = list(head)
    for title, lines in parts:
        out.append(bk.section(title))
        out += [bk.section(line[:3000]) for line in lines[:per_section]]
        if len(lines) > per_section:
            out.append(bk.context(f"…and {len(lines) - per_section} more"))
    return out + tail


def digest_message(digest: Digest, rule: Rule | None = None, *, preview: bool = False) -> Message:
    """The digest; long sections are cut (with a count of the rest) so the whole stays within 50 blocks."""
    title = "Channel digest (preview)" if preview else "Channel digest"
    head = [bk.header(title)]
    tail = [bk.divider(), bk.context(health_line(digest) + (f" · Posted {describe(rule)}" if rule else ""))]
    parts = sections(digest)
    if not parts:
        return f"{title}: nothing new", head + [bk.section("Nothing waiting, due or coming up in this channel.")] + tail
    longest = max(len(lines) for _, lines in parts)
    for per_section in range(longest, 0, -1):
        rendered = _render(parts, per_section, head, tail)
        if len(rendered) <= MESSAGE_MAX_BLOCKS:
            break
    counts = ", ".join(f"{len(lines)} {title.split('*')[1].lower()}" for title, lines in parts)
    return f"{title}: {counts}"[:3000], rendered


def schedule_note(rule: Rule | None) -> Message:
    """What `/digest weekly …`, `daily …` and `off` answer."""
    text = f"This channel's digest will be posted {describe(rule)}." if rule else "This channel's digest is off."
    return text, [bk.section(text)]
