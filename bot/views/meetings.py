"""Block Kit for meetings: the propose and prefs modals, the proposal, reminders, the review prompt and lists."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.actions import ActionItem
from bot.domain.meeting_requests import Cadence
from bot.domain.meetings import DEFAULT_DURATION, Meeting, MeetingOccurrence, MeetingStatus, ProposedSlot, Recurrence, WorkingHours, local_clock, pain_marker
from bot.views import blocks as bk
from bot.views.ids import Action, Block, Callback
from bot.views.metadata import ChannelRef, pack, unpack

Message = tuple[str, list[dict[str, Any]]]
RECURRENCE_LABELS = {Recurrence.NONE: "Does not repeat", Recurrence.WEEKLY: "Weekly", Recurrence.BIWEEKLY: "Every two weeks",
                     Recurrence.MONTHLY: "Monthly"}
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PREREAD_TEXT = "Read before the meeting; it will not be presented."
HELP = ("*`/meeting`* plans a meeting that is fair to every time zone.\n"
        "• `/meeting` or `/meeting propose`: a form; I post 2–4 fair slots to vote on, the organiser confirms one\n"
        "• `/meeting prefs`: your working hours, workdays and hard limits\n"
        "• `/meeting add <title> <date> <time> [Area/City] [50m]`: reminders and the review prompt for a meeting set up elsewhere\n"
        "• `/meeting list`: what is coming up in this channel\n"
        "• `/meeting cadence <title> weekly|biweekly|monthly|quarterly <first date> [ahead 14] [@people]`: I propose each next one ahead\n"
        "• `/meeting cancel <id>[.<n>]`, `/meeting move <id>.<n> <date> <time>`: organisers only; everyone gets an updated invite\n"
        "Dates read as for `/action` (`friday`, `next friday`, `in 2 weeks`, `jan 15`, `YYYY-MM-DD`) in your time zone; "
        "a date or person I cannot read is refused by name, never guessed")
MAX_SHOWN = 12  # people listed per slot before "and N more"
OTHER_OPTION_LINES = 2
MAX_SECTIONS = 8  # per option; 4 options stay well inside a message's 50 blocks
BAND_MARKERS = {"work": ":large_green_circle:", "shoulder": ":large_yellow_circle:", "early_late": ":large_orange_circle:",
                "night": ":red_circle:"}


@dataclass(frozen=True)
class SlotRef:
    """What a slot button carries."""

    meeting_id: int
    slot: int

    def encode(self) -> str:
        """Serialise for a button value."""
        return pack(meeting=self.meeting_id, slot=self.slot)

    @classmethod
    def decode(cls, raw: str | None) -> SlotRef:
        """Read it back; stale values are a user-facing error."""
        data = unpack(raw, "This button is out of date. Run `/meeting list` for the current meetings.", meeting=int, slot=(int, 0))
        return cls(data["meeting"], data["slot"])


def propose_modal(channel_id: str, members: Sequence[str], today: str) -> dict[str, Any]:
    """The form behind `/meeting`: who, how long, from when, how often, and what to read."""
    recurrence = [bk.option(label, r.value) for r, label in RECURRENCE_LABELS.items()]
    blocks = [
        bk.text_input(Block.MEETING_TITLE, Action.MEETING_FIELD, "Title", max_length=150),
        bk.users_input(Block.MEETING_PARTICIPANTS, Action.MEETING_FIELD, "Participants (leave empty for the channel's members)",
                       initial=members[:100]),
        bk.text_input(Block.MEETING_DURATION, Action.MEETING_FIELD, "Duration in minutes", initial=str(DEFAULT_DURATION), max_length=3),
        {"type": "input", "block_id": Block.MEETING_DAY, "label": bk.plain("Earliest day"),
         "element": {"type": "datepicker", "action_id": Action.MEETING_FIELD, "initial_date": today}},
        bk.text_input(Block.MEETING_WINDOW_START, Action.MEETING_FIELD, "Window opens (your time, HH:MM)", initial="00:00", max_length=5),
        bk.text_input(Block.MEETING_WINDOW_END, Action.MEETING_FIELD, "Window closes (your time, HH:MM; 24:00 for the whole day)",
                      initial="24:00", max_length=5),
        bk.radio_input(Block.MEETING_RECURRENCE, Action.MEETING_FIELD, "Repeats", recurrence, Recurrence.NONE.value),
        bk.text_input(Block.MEETING_COUNT, Action.MEETING_FIELD, "Number of occurrences", initial="1", max_length=2),
        bk.text_input(Block.MEETING_AGENDA, Action.MEETING_FIELD, "Agenda", optional=True, multiline=True, max_length=2000),
        bk.text_input(Block.MEETING_PREREADS, Action.MEETING_FIELD, "Pre-read links (one per line)", optional=True, multiline=True,
                      max_length=2000),
        bk.radio_input(Block.MEETING_REMINDERS, Action.MEETING_FIELD, "Reminders",
                       [bk.option("In the channel", "channel"), bk.option("By direct message", "dm")], "channel"),
    ]
    return bk.modal(Callback.MEETING_PROPOSE, "Propose a meeting", blocks, submit="Find fair slots",
                    private_metadata=ChannelRef(channel_id).encode())


def prefs_modal(hours: WorkingHours | None, needs_zone: bool) -> dict[str, Any]:
    """`/meeting prefs`: working hours, workdays and hard limits (and the zone when Slack has none)."""
    days = [bk.option(name, str(index + 1)) for index, name in enumerate(WEEKDAY_NAMES)]
    chosen = [o for o in days if int(o["value"]) in (hours.workdays if hours else (1, 2, 3, 4, 5))]
    blocks: list[dict[str, Any]] = []
    if needs_zone:
        blocks.append(bk.text_input(Block.PREFS_ZONE, Action.MEETING_FIELD, "Your time zone (Slack has none for you)",
                                    placeholder="Area/City, e.g. Europe/Zurich", max_length=64))
    blocks += [
        bk.text_input(Block.PREFS_START, Action.MEETING_FIELD, "Working day starts (HH:MM)",
                      initial=(hours.work_start.strftime("%H:%M") if hours else "09:00"), max_length=5),
        bk.text_input(Block.PREFS_END, Action.MEETING_FIELD, "Working day ends (HH:MM)",
                      initial=(hours.work_end.strftime("%H:%M") if hours else "17:00"), max_length=5),
        {"type": "input", "block_id": Block.PREFS_DAYS, "label": bk.plain("Workdays"),
         "element": {"type": "checkboxes", "action_id": Action.MEETING_FIELD, "options": days, "initial_options": chosen}},
        bk.text_input(Block.PREFS_NEVER, Action.MEETING_FIELD, "Never between (HH:MM-HH:MM, comma separated)", optional=True,
                      initial=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in (hours.never if hours else ())), max_length=200,
                      placeholder="22:00-06:30"),
    ]
    return bk.modal(Callback.MEETING_PREFS, "Meeting preferences", blocks, submit="Save")


def ask_for_zone(user_ids: Sequence[str]) -> str:
    """Who must tell us their zone before a fair slot can be found."""
    return (f"{bk.mention_list(list(user_ids))} {'has' if len(user_ids) == 1 else 'have'} no time zone in Slack, so I cannot "
            "plan fairly for them. Please set one in your Slack profile, or enter it under `/meeting prefs` (the pinned panel's *My working hours*).")


def _points(qp: int) -> str:
    return f"{qp / 4:g}"


def _slot_lines(meeting: Meeting, slot: ProposedSlot, zones: Mapping[str, str]) -> list[str]:
    """Each occurrence of a slot with each person's local clock and pain marker."""
    starts, pain, bands = slot.starts, slot.pain_qp, slot.bands

    def marker(user: str, k: int) -> str:
        if user in bands and k < len(bands[user]):
            return BAND_MARKERS.get(bands[user][k], "")
        return pain_marker((pain.get(user) or [0] * len(starts))[k] / 4)

    lines = []
    for k, start in enumerate(starts):
        people = [f"<@{u}> {local_clock(start, zones[u])} {marker(u, k)}" for u in meeting.participant_ids[:MAX_SHOWN] if u in zones]
        rest = len(meeting.participant_ids) - MAX_SHOWN
        prefix = f"{k + 1}. " if len(starts) > 1 else ""
        lines.append(f"{prefix}{bk.date_token(start.timestamp(), '{date_short_pretty} {time}', start.strftime('%Y-%m-%d %H:%M UTC'))}: "
                     + " · ".join(people) + (f" and {rest} more" if rest > 0 else ""))
    return lines


def _chunks(lines: Sequence[str], limit: int = 3000) -> list[str]:
    """Lines packed into section-sized texts (a line longer than a section is clipped)."""
    chunks: list[str] = []
    for line in lines:
        line = bk.clip(line, limit)
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def _tally(votes: Mapping[str, bool]) -> str:
    works = [u for u, ok in votes.items() if ok]
    fails = [u for u, ok in votes.items() if not ok]
    return f"works for {len(works)}" + (f", not for {bk.mention_list(fails, 8)}" if fails else "")


def proposal_message(meeting: Meeting, zones: Mapping[str, str], votes: Mapping[int, Mapping[str, bool]]) -> Message:
    """The proposal: 2–4 slots with everyone's local time and pain, the fairness summary and the buttons."""
    slots = meeting.proposal.slots
    series = meeting.count > 1
    blocks = [bk.header(f"Meeting proposal: {meeting.title}"),
              bk.context(f"Proposed by <@{meeting.organizer_id}> · {meeting.duration_minutes} min · "
                         f"{RECURRENCE_LABELS.get(meeting.recurrence, meeting.recurrence.value)}"
                         + (f" × {meeting.count}" if series else "")
                         + " · times show in your own zone; pain: :large_green_circle: none :large_yellow_circle: mild "
                           ":large_orange_circle: early/late :red_circle: night")]
    for index, slot in enumerate(slots):
        title = f"*Option {index + 1}*" + (" (a rotation)" if series and slot.rotating else "")
        summary = (f"worst {'cumulative ' if series or meeting.proposal.ledger_before else ''}pain "
                   f"{_points(slot.max_cum_qp)} points, total {_points(slot.total_qp)}")
        lines = _slot_lines(meeting, slot, zones)
        if index > 0 and len(lines) > OTHER_OPTION_LINES:  # the first option in full, the others in brief
            lines = lines[:OTHER_OPTION_LINES] + [f"… and {len(lines) - OTHER_OPTION_LINES} more occurrences at this time"]
        chunks = _chunks([f"{title}: {summary} · {_tally(votes.get(index, {}))}", *lines])
        blocks.extend(bk.section(chunk) for chunk in chunks[:MAX_SECTIONS])
        blocks.append({"type": "actions", "block_id": f"meeting_slot_{index}", "elements": [
            {"type": "button", "action_id": Action.MEETING_WORKS, "text": bk.plain(f"{index + 1} works", 75),
             "value": SlotRef(meeting.id, index).encode()},
            {"type": "button", "action_id": Action.MEETING_FAILS, "text": bk.plain(f"{index + 1} doesn't work", 75),
             "value": SlotRef(meeting.id, index).encode()},
            {"type": "button", "action_id": Action.MEETING_CONFIRM, "text": bk.plain(f"Confirm {index + 1}", 75), "style": "primary",
             "value": SlotRef(meeting.id, index).encode()}]})
    if slots and series:
        blocks.append(bk.section(bk.clip(ledger_text(meeting, slots[0], zones), 3000)))
    notes = meeting.proposal.summary
    if notes:
        blocks.append(bk.context(bk.escape(notes)))
    return f"Meeting proposal: {meeting.title}", blocks


def ledger_text(meeting: Meeting, slot: ProposedSlot, zones: Mapping[str, str]) -> str:
    """The pain ledger of a series: what each person carried before, and after option 1."""
    before = meeting.proposal.ledger_before
    pain = slot.pain_qp
    rows = sorted(((u, int(before.get(u, 0)), int(before.get(u, 0)) + sum(pain.get(u, ()))) for u in meeting.participant_ids if u in zones),
                  key=lambda r: -r[2])
    lines = [f"<@{u}>: {_points(after)}" + (f" (carried {_points(was)} before)" if was else "") for u, was, after in rows[:MAX_SHOWN]]
    return "*Pain ledger after option 1* (pain points, highest first)\n" + "\n".join(lines)


def confirmed_message(meeting: Meeting, zones: Mapping[str, str]) -> Message:
    """The proposal once confirmed: the chosen times, for everyone in their own zone."""
    chosen = meeting.proposal.chosen or 0
    slots = meeting.proposal.slots
    lines = []
    for occurrence in meeting.occurrences:
        mark = " ~cancelled~" if occurrence.cancelled else (" (moved)" if occurrence.original_starts_at else "")
        lines.append(f"{occurrence.index + 1}. {occurrence_token(occurrence)}{mark}")
    if meeting.status is MeetingStatus.CANCELLED and not meeting.occurrences:
        return f"Cancelled: {meeting.title}", [bk.header(f"Cancelled: {meeting.title}"),
                                               bk.section(f"<@{meeting.organizer_id}> withdrew this proposal.")]
    state = "Cancelled" if meeting.status is MeetingStatus.CANCELLED else "Confirmed"
    blocks = [bk.header(f"{state}: {meeting.title}"),
              bk.section(bk.clip(f"<@{meeting.organizer_id}> confirmed option {chosen + 1} · meeting `{meeting.id}` · "
                                 f"{meeting.duration_minutes} min\n" + "\n".join(lines), 3000))]
    if slots and meeting.count > 1 and chosen < len(slots):
        blocks.append(bk.section(bk.clip(ledger_text(meeting, slots[chosen], zones).replace("option 1", "this series"), 3000)))
    blocks.append(bk.context("The calendar invite (.ics) is attached below; reminders come before each occurrence."))
    return f"{state}: {meeting.title}", blocks


def occurrence_token(occurrence: MeetingOccurrence) -> str:
    """When an occurrence starts, in each reader's own zone."""
    start = occurrence.starts_at
    return bk.date_token(start.timestamp(), "{date_long_pretty} at {time}", start.strftime("%Y-%m-%d %H:%M UTC"))


def invite_comment(meeting: Meeting, update: str) -> str:
    """The text posted with an uploaded .ics."""
    return f"Calendar invite for *{bk.escape(meeting.title)}* ({update}). Open the file to add it to your calendar."


def reminder_message(meeting: Meeting, occurrence: MeetingOccurrence, kind: str, zone: str | None = None) -> Message:
    """A pre-read nudge, or the 24 h / 10 min reminder."""
    when = occurrence_token(occurrence)
    local = f" ({local_clock(occurrence.starts_at, zone)} your time)" if zone else ""
    if kind == "preread48h":
        links = "\n".join(f"• {bk.escape(link)}" for link in meeting.prereads)
        text = f"*{bk.escape(meeting.title)}* is {when}{local}. {PREREAD_TEXT}\n{links}"
    elif kind == "start24h":
        text = f"Tomorrow: *{bk.escape(meeting.title)}*, {when}{local}."
        if meeting.agenda:
            text += "\n*Agenda*\n" + bk.escape(meeting.agenda)
    else:
        text = f"*{bk.escape(meeting.title)}* starts in 10 minutes ({when}{local})."
    return f"Reminder: {meeting.title}", [bk.section(bk.clip(text, 3000))]


def review_prompt(meeting: Meeting, occurrence: MeetingOccurrence, captured: Sequence[ActionItem]) -> Message:
    """10 minutes before the end: review actions and decisions, with what was captured during the meeting."""
    blocks = [bk.header("Review actions and decisions"),
              bk.section(f"*{bk.escape(meeting.title)}* ends in 10 minutes. Before you leave: who does what by when, and what was decided?")]
    if captured:
        lines = [f"• `{i.ref}` {bk.escape(i.text)}" + (f" ({bk.mention_list(list(i.owner_ids), 3)})" if i.owner_ids else "")
                 for i in captured[:20]]
        blocks.append(bk.section(bk.clip("*Captured during the meeting*\n" + "\n".join(lines), 3000)))
    else:
        blocks.append(bk.context("Nothing captured yet during this meeting."))
    value = pack(meeting=meeting.id, occurrence=occurrence.index)
    blocks.append({"type": "actions", "block_id": "meeting_review", "elements": [
        {"type": "button", "action_id": Action.MEETING_ADD_ACTION, "text": bk.plain("Add an action item", 75), "value": value},
        {"type": "button", "action_id": Action.MEETING_START_DECISION, "text": bk.plain("Start a consensus decision", 75), "value": value}]})
    return f"Review actions and decisions: {meeting.title}", blocks


def meeting_list(meetings: Sequence[Meeting], now: datetime) -> Message:
    """`/meeting list`: proposals waiting for confirmation and upcoming occurrences."""
    if not meetings:
        return "No upcoming meetings", [bk.section("No upcoming meetings in this channel. Propose one with `/meeting` "
                                                   "or the pinned panel's *Propose a meeting*.")]
    lines = []
    for meeting in meetings:
        if meeting.status is MeetingStatus.PROPOSED:
            lines.append(f"• `{meeting.id}` *{bk.escape(meeting.title)}*: proposed by <@{meeting.organizer_id}>, waiting for confirmation")
            continue
        upcoming = [o for o in meeting.occurrences if not o.cancelled and o.ends_at > now]
        shown = ", ".join(f"`{meeting.id}.{o.index + 1}` {occurrence_token(o)}" for o in upcoming[:3])
        more = f" and {len(upcoming) - 3} more" if len(upcoming) > 3 else ""
        lines.append(f"• *{bk.escape(meeting.title)}*: {shown}{more}")
    return "Upcoming meetings", [bk.section(bk.clip("*Upcoming meetings*\n" + "\n".join(lines), 3000))]


def added_message(meeting: Meeting) -> Message:
    """`/meeting add` registered an external meeting."""
    occurrence = meeting.occurrences[0]
    text = (f"<@{meeting.organizer_id}> registered *{bk.escape(meeting.title)}* (meeting `{meeting.id}`), {occurrence_token(occurrence)}, "
            f"{meeting.duration_minutes} min. I will remind the channel 24 h and 10 min before, and prompt a review 10 min before the end.")
    return f"Meeting registered: {meeting.title}", [bk.section(text)]


def changed_message(meeting: Meeting, what: str) -> Message:
    """A cancellation or move, announced in the channel."""
    return f"{meeting.title}: {what}", [bk.section(bk.clip(f"*{bk.escape(meeting.title)}*: {what}", 3000))]


def help_message() -> Message:
    """`/meeting help`."""
    return "How /meeting works", [bk.section(HELP)]


def home_blocks(occurrences: Sequence[MeetingOccurrence], shown: int = 5) -> list[dict[str, Any]]:
    """The App Home's "your meetings": the next few, in the reader's own zone."""
    return [bk.section(f"*{bk.escape(bk.clip(o.title, 150))}*, {occurrence_token(o)} ({o.duration_minutes} min) in <#{o.channel_id}>")
            for o in occurrences[:shown]]  # one block per meeting, so the Home builder can cut whole items


def cadence_message(cadence: Cadence) -> Message:
    """`/meeting cadence` set: what the scheduler will do, and when first."""
    first = cadence.propose_at()
    text = (f"<@{cadence.organizer_id}> set a cadence: *{bk.escape(cadence.title)}*, {cadence.recurrence.value}, first on "
            f"{cadence.next_on.isoformat()}, with {bk.mention_list(list(cadence.participant_ids), 10)}. I will post a fair proposal "
            f"{cadence.lead_days} days before each one (the first {bk.date_token(first.timestamp(), '{date_long_pretty}', first.date().isoformat())}), "
            "planned from the pain each person has already carried in this series.")
    return f"Cadence set: {cadence.title}", [bk.section(bk.clip(text, 3000))]


def add_modal(channel_id: str, zone: str | None, today: str) -> dict[str, Any]:
    """`/meeting add` with no text: register a meeting scheduled elsewhere."""
    blocks = [
        bk.text_input(Block.MEETING_TITLE, Action.MEETING_FIELD, "Title", max_length=150),
        {"type": "input", "block_id": Block.MEETING_DAY, "label": bk.plain("Date"),
         "element": {"type": "datepicker", "action_id": Action.MEETING_FIELD, "initial_date": today}},
        {"type": "input", "block_id": Block.MEETING_TIME, "label": bk.plain("Start time"),
         "element": {"type": "timepicker", "action_id": Action.MEETING_FIELD, "initial_time": "15:00"}},
        bk.text_input(Block.MEETING_ZONE, Action.MEETING_FIELD, "Time zone (Area/City)", initial=zone or "", max_length=64,
                      placeholder="Europe/Zurich"),
        bk.text_input(Block.MEETING_DURATION, Action.MEETING_FIELD, "Duration in minutes", initial=str(DEFAULT_DURATION), max_length=3),
    ]
    return bk.modal(Callback.MEETING_ADD, "Add a meeting", blocks, submit="Add", private_metadata=ChannelRef(channel_id).encode())
