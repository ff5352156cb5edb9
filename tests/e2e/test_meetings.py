"""An alliance registers, moves and cancels meetings; reminders and the review prompt come once, at the right times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.clock import FixedClock
from bot.domain import tz
from bot.domain.meetings import CalendarForm
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.views.ids import Callback
from storage.meetings import load_meeting
from tests.e2e.conftest import CHANNEL, HOME, RunningBot, eventually


def tick_at(bot: RunningBot, instant: datetime) -> None:
    """Run the scheduler twice at `instant`: the second run must send nothing again."""
    scheduler = Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(instant), worker="t")
    scheduler.tick()
    scheduler.tick()


def texts(bot: RunningBot, channel: str = CHANNEL) -> list[str]:
    return [str(m.blocks) or m.text for m in bot.slack.messages(channel)]


def stored(bot: RunningBot, meeting_id: int = 1):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_meeting(session, bot.services.default_installation_id, meeting_id)


def test_a_meeting_set_up_elsewhere_gets_reminders_and_the_review_prompt_once(bot2: RunningBot) -> None:
    bot = bot2
    maria = bot.person("UMARIA")
    day = (bot.services.clock.now() + timedelta(days=10)).date()
    assert maria.run("/meeting", f"add JSC review {day.isoformat()} 15:00 Europe/Zurich 60m", channel=CHANNEL).acked
    eventually(lambda: any("registered" in t for t in texts(bot)), what="the registration")
    meeting = stored(bot)
    starts = datetime.combine(day, datetime.min.time().replace(hour=15)).replace(tzinfo=tz.zone("Europe/Zurich")).astimezone(timezone.utc)
    assert meeting.occurrences[0].starts_at == starts and meeting.duration_minutes == 60
    assert set(meeting.participant_ids) == {"UMARIA", "ULEE", "UKENJI", "UANNA"}  # the channel's people, not the bot

    # The organiser moves it an hour later: the reminders follow the new time.
    maria.run("/meeting", f"move 1.1 {day.isoformat()} 10:00", channel=CHANNEL)  # Maria's own zone: New York
    eventually(lambda: any("moved to" in t for t in texts(bot)), what="the move")
    moved = stored(bot).occurrences[0]
    new_start = datetime.combine(day, datetime.min.time().replace(hour=10)).replace(tzinfo=tz.zone("America/New_York")).astimezone(timezone.utc)
    assert moved.starts_at == new_start and moved.original_starts_at == starts

    before = len(bot.slack.messages(CHANNEL))
    tick_at(bot, starts - timedelta(hours=24) + timedelta(minutes=1))  # the old time's reminder was cancelled
    assert len(bot.slack.messages(CHANNEL)) == before
    tick_at(bot, new_start - timedelta(hours=24) + timedelta(minutes=1))
    tick_at(bot, new_start - timedelta(minutes=9))
    reminders = [t for t in texts(bot) if "JSC review" in t and ("Tomorrow" in t or "starts in 10 minutes" in t)]
    assert len(reminders) == 2

    tick_at(bot, new_start + timedelta(minutes=51))  # 10 minutes before the end of a 60-minute meeting
    prompts = [m for m in bot.slack.messages(CHANNEL) if "Review actions and decisions" in str(m.blocks)]
    assert len(prompts) == 1
    assert "Add an action item" in str(prompts[0].blocks) and "Start a consensus decision" in str(prompts[0].blocks)

    # From the prompt, a consensus decision starts in the usual form.
    bot.person("ULEE").click("Start a consensus decision", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("ULEE"), what="the consensus form")[-1]
    assert form["callback_id"] == "consensus_start"

    maria.run("/meeting", "list", channel=CHANNEL)
    eventually(lambda: any("JSC review" in str(m.blocks) and "`1.1`" in str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")),
               what="the list")


def test_only_the_organiser_changes_a_meeting_and_a_cancelled_one_sends_nothing(bot2: RunningBot) -> None:
    bot = bot2
    maria, lee = bot.person("UMARIA"), bot.person("ULEE")  # Lee: of Alpha (commands), not the organiser
    day = (bot.services.clock.now() + timedelta(days=5)).date()
    maria.run("/meeting", f"add Ops sync {day.isoformat()} 08:00 30m", channel=CHANNEL)
    eventually(lambda: any("registered" in t for t in texts(bot)), what="the registration")
    lee.run("/meeting", "list", channel=CHANNEL)
    eventually(lambda: any("`1.1`" in str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the list")
    lee.run("/meeting", "cancel 1", channel=CHANNEL)
    eventually(lambda: any("Only <@UMARIA>" in m.text for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the refusal")
    maria.run("/meeting", f"add Ops sync {(day - timedelta(days=30)).isoformat()} 08:00", channel=CHANNEL)
    eventually(lambda: any("in the past" in m.text for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the bad date")
    maria.run("/meeting", "cancel 1", channel=CHANNEL)
    eventually(lambda: any("cancelled" in t for t in texts(bot)), what="the cancellation")
    before = len(bot.slack.messages(CHANNEL))
    start = stored(bot).occurrences[0].starts_at
    for instant in (start - timedelta(hours=23), start - timedelta(minutes=5), start + timedelta(minutes=25)):
        tick_at(bot, instant)
    assert len(bot.slack.messages(CHANNEL)) == before
    assert stored(bot, 2) is None  # the refused add created nothing


def test_prefs_are_kept_and_a_missing_zone_is_asked_for_never_guessed(bot2: RunningBot) -> None:
    bot = bot2
    # Ola of Alpha has no zone in Slack either; Anna (Beta) could not run /meeting prefs: her organisation
    # has not installed the app, and no click leads to the prefs form yet (issue 17, point 1).
    bot.slack.add_user("UOLA", HOME, "ola", real_name="Ola Nordmann", tz=None)
    bot.slack.join(CHANNEL, "UOLA")
    maria, ola = bot.person("UMARIA"), bot.person("UOLA")
    maria.run("/meeting", "", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("UMARIA"), what="the propose form")[-1]
    assert "UKENJI" in str(form["blocks"])  # the channel's members by default
    refused = maria.submit_view({"Title": "JSC", "Duration in minutes": "52"})
    assert refused.payload and refused.payload["response_action"] == "errors" and "meeting_duration" in refused.payload["errors"]
    maria.submit_view({"Title": "JSC"})
    eventually(lambda: any("<@UANNA>" in m.text and "<@UOLA>" in m.text and "no time zone" in m.text
                           for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the question")
    assert not [m for m in bot.slack.messages(CHANNEL) if "proposal" in m.text.lower()]  # nothing was proposed

    # Ola, with no zone in Slack, gives hers with her working hours.
    ola.run("/meeting", "prefs", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UOLA"), what="the prefs form")
    bad = ola.submit_view({"Your time zone (Slack has none for you)": "Atlantis/Capital", "Working day starts (HH:MM)": "08:00"})
    assert bad.payload and "prefs_zone" in bad.payload["errors"]
    ola.submit_view({"Your time zone (Slack has none for you)": "europe/stockholm", "Working day starts (HH:MM)": "08:00",
                      "Working day ends (HH:MM)": "16:00", "Never between (HH:MM-HH:MM, comma separated)": "21:00-07:00"})
    from storage.meetings import working_hours

    def kept():  # type: ignore[no-untyped-def]
        with bot.services.db.read() as session:
            return working_hours(session, bot.services.default_installation_id, {"UOLA": None}).get("UOLA")

    hours = eventually(kept, what="Ola's hours")
    assert hours.tz == "Europe/Stockholm" and hours.work_start.hour == 8 and hours.never[0][0].hour == 21


def invites(bot: RunningBot) -> list[bytes]:
    """The .ics files shared in the channel, oldest first."""
    return [bot.slack.file(f)["content"] for m in bot.slack.messages(CHANNEL) for f in m.files]


def propose(bot: RunningBot, title: str, day: str, **extra: str) -> dict:  # type: ignore[type-arg]
    maria = bot.person("UMARIA")
    maria.run("/meeting", "propose", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the propose form")
    maria.submit_view({"Title": title, "Participants (leave empty for the channel's members)": ["UMARIA", "ULEE", "UKENJI"],
                       "Earliest day": day, **extra})
    return eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if m.text == f"Meeting proposal: {title}"], what="the proposal")[-1]


def test_propose_vote_confirm_then_the_invite_reminders_and_review_prompt(bot2: RunningBot) -> None:
    from tests.views.test_calendar import icalendar_instants, vobject_instants

    bot = bot2
    maria, lee, kenji, anna = (bot.person(u) for u in ("UMARIA", "ULEE", "UKENJI", "UANNA"))
    day = (bot.services.clock.now() + timedelta(days=10)).date().isoformat()
    proposal = propose(bot, "JSC", day, **{"Pre-read links (one per line)": "https://docs.example/plan",
                                           "Agenda": "Budget; timeline"})
    shown = str(proposal.blocks)
    assert "Option 2" in shown and "<@UKENJI>" in shown and "<!date^" in shown and "worst pain" in shown
    kenji.click("1 works", channel=CHANNEL)
    lee.click("1 doesn't work", channel=CHANNEL)
    eventually(lambda: "not for <@ULEE>" in str(bot.slack.messages(CHANNEL)[-1].blocks), what="the votes")
    anna.click("1 works", channel=CHANNEL)
    eventually(lambda: any("Only the participants" in m.text for m in bot.slack.ephemerals(CHANNEL, "UANNA")), what="the refusal")
    kenji.click("Confirm 2", channel=CHANNEL)
    eventually(lambda: any("Only <@UMARIA>" in m.text for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")

    maria.click("Confirm 2", channel=CHANNEL)
    [data] = eventually(lambda: invites(bot), what="the invite")
    meeting = stored(bot)
    chosen = list(meeting.proposal.slots[1].starts)
    assert [o.starts_at for o in meeting.occurrences] == chosen
    expected = {meeting.uid: chosen}
    assert icalendar_instants(data) == expected == vobject_instants(data)
    assert b"https://docs.example/plan" in data and b"ATTENDEE" in data and b"ORGANIZER" in data
    eventually(lambda: "Confirmed: JSC" in bot.slack.messages(CHANNEL)[0].text, what="the confirmed proposal")
    from storage.meetings import pain_ledger

    with bot.services.db.read() as session:
        ledger = pain_ledger(session, bot.services.default_installation_id, CHANNEL)
    assert ledger == meeting.proposal.slots[1].total_pain()

    start = chosen[0]
    before = len(bot.slack.messages(CHANNEL))
    for instant in (start - timedelta(hours=47, minutes=59), start - timedelta(hours=23, minutes=59), start - timedelta(minutes=9),
                    start + timedelta(minutes=41)):
        tick_at(bot, instant)
    sent = [str(m.blocks) for m in bot.slack.messages(CHANNEL)[before:]]
    assert len(sent) == 4
    assert "it will not be presented" in sent[0] and "Tomorrow" in sent[1] and "Budget; timeline" in sent[1]
    assert "starts in 10 minutes" in sent[2] and "Review actions and decisions" in sent[3]

    # "Add an action item" opens the action items' own form, for this channel, linking back to the review prompt.
    lee.click("Add an action item", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("ULEE"), what="the action item form")[-1]
    assert form["callback_id"] == Callback.NEW_ACTION_ITEM and CHANNEL in form["private_metadata"]
    assert "Links back to" in str(form["blocks"])


def test_a_series_rotates_and_a_move_or_cancel_issues_an_updated_invite(bot2: RunningBot) -> None:
    from icalendar import Calendar

    from tests.views.test_calendar import vobject_instants

    bot = bot2
    maria = bot.person("UMARIA")
    day = (bot.services.clock.now() + timedelta(days=3)).date().isoformat()
    proposal = propose(bot, "Operating team", day, **{"Repeats": "Every two weeks", "Number of occurrences": "4",
                                                      "Reminders": "By direct message"})
    assert "Pain ledger" in str(proposal.blocks) and "(a rotation)" in str(proposal.blocks)
    maria.click("Confirm 1", channel=CHANNEL)
    [data] = eventually(lambda: invites(bot), what="the invite")
    meeting = stored(bot)
    starts = [o.starts_at for o in meeting.occurrences]
    assert len(starts) == 4 and sorted(i for found in vobject_instants(data).values() for i in found) == starts

    new_day = (starts[1] + timedelta(days=1)).date().isoformat()
    maria.run("/meeting", f"move 1.2 {new_day} 09:00", channel=CHANNEL)
    eventually(lambda: len(invites(bot)) == 2, what="the updated invite")
    updated = Calendar.from_ical(invites(bot)[1])
    uids = {str(e["UID"]) for e in updated.walk("VEVENT")}
    assert uids <= {str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")} and all(e["SEQUENCE"] == 1 for e in updated.walk("VEVENT"))
    maria.run("/meeting", "cancel 1.3", channel=CHANNEL)
    eventually(lambda: len(invites(bot)) == 3, what="the cancellation")
    cancelled = Calendar.from_ical(invites(bot)[2])
    assert cancelled["METHOD"] == "CANCEL" and [e["SEQUENCE"] for e in cancelled.walk("VEVENT")] == [2]

    # The ledger carries what the series now costs: the moved occurrence at its new time, the cancelled one not at all.
    from storage.meetings import pain_ledger

    pains = stored(bot).proposal.occurrence_pain
    assert pains[2] == {} and set(pains[1]) == {"UMARIA", "ULEE", "UKENJI"}
    with bot.services.db.read() as session:
        ledger = pain_ledger(session, bot.services.default_installation_id, CHANNEL)
    assert ledger == {u: sum(p.get(u, 0) for p in pains.values()) for u in ("UMARIA", "ULEE", "UKENJI")}

    # DM reminders: each once per participant, none for the cancelled occurrence, the moved one at its new time.
    tick_at(bot, starts[0] - timedelta(minutes=9))
    tick_at(bot, starts[3] - timedelta(minutes=9))
    for user in ("UMARIA", "ULEE", "UKENJI"):
        keys = [m.metadata["event_payload"]["key"] for m in bot.slack.messages(bot.slack.ws.dm_channel(user).channel_id)]
        assert len(keys) == len(set(keys)) == 6  # 24 h and 10 min before occurrences 1, 2 (moved) and 4
        assert not [k for k in keys if ":o2:" in k] and not [k for k in keys if f":o1:{int(starts[1].timestamp())}:" in k]


def test_a_cadence_is_proposed_ahead_by_the_scheduler_from_the_series_ledger(bot2: RunningBot) -> None:
    from storage.due_work import state_of
    from storage.meetings import load_cadence, pain_ledger

    bot = bot2
    maria = bot.person("UMARIA")
    first = (bot.services.clock.now() + timedelta(days=30)).date()
    maria.run("/meeting", f"cadence Joint steering committee quarterly {first.isoformat()} ahead 14 <@UMARIA> <@ULEE> <@UKENJI>",
              channel=CHANNEL)
    eventually(lambda: any("set a cadence" in t for t in texts(bot)), what="the cadence")
    due = datetime.combine(first - timedelta(days=14), datetime.min.time().replace(hour=9), timezone.utc)
    tick_at(bot, due - timedelta(minutes=1))
    assert not [m for m in bot.slack.messages(CHANNEL) if m.text.startswith("Meeting proposal")]
    tick_at(bot, due + timedelta(minutes=1))
    proposals = [m for m in bot.slack.messages(CHANNEL) if m.text == "Meeting proposal: Joint steering committee"]
    assert len(proposals) == 1
    meeting = stored(bot)
    assert meeting.participant_ids == ("UMARIA", "ULEE", "UKENJI")
    start = meeting.proposal.slots[0].starts[0]
    assert start.astimezone(tz.zone("America/New_York")).date() == first  # on the organiser's day
    with bot.services.db.read() as session:
        cadence = load_cadence(session, bot.services.default_installation_id, 1)
        assert cadence is not None and cadence.next_on.month == (first.month + 2) % 12 + 1
        assert state_of(session, f"{bot.services.default_installation_id}:cadence:1:{cadence.next_on.isoformat()}") is not None

    maria.click("Confirm 1", channel=CHANNEL)
    eventually(lambda: invites(bot), what="the invite")
    with bot.services.db.read() as session:
        series = pain_ledger(session, bot.services.default_installation_id, CHANNEL, "cadence:1")
    assert series == meeting.proposal.slots[0].total_pain()


def test_a_fixed_time_series_is_one_rule_and_a_moved_occurrence_an_override(bot2: RunningBot) -> None:
    from icalendar import Calendar

    from tests.views.test_calendar import icalendar_instants, vobject_instants

    bot = bot2
    maria = bot.person("UMARIA")
    day = (bot.services.clock.now() + timedelta(days=2)).date().isoformat()
    proposal = propose(bot, "Finance sync", day, **{"Repeats": "Weekly", "Number of occurrences": "3"})
    assert "Confirm 2" in str(proposal.blocks)
    maria.click("Confirm 2", channel=CHANNEL)
    [data] = eventually(lambda: invites(bot), what="the invite")
    meeting = stored(bot)
    starts = [o.starts_at for o in meeting.occurrences]
    assert meeting.proposal.calendar_form is CalendarForm.RRULE and b"RRULE:FREQ=WEEKLY;COUNT=3" in data
    # New York keeps one offset over these three weeks: the rule is in UTC, which no client's own tz data can misread (a
    # series across a DST change is a rule in its zone: tests/views/test_calendar_matrix.py).
    assert b"TZID=" not in data and b"DTSTART:" in data
    assert icalendar_instants(data) == {meeting.uid: starts} == vobject_instants(data)

    moved_to = starts[2] + timedelta(days=1)
    local = moved_to.astimezone(tz.zone("America/New_York"))
    maria.run("/meeting", f"move 1.3 {local.date().isoformat()} {local.strftime('%H:%M')}", channel=CHANNEL)
    eventually(lambda: len(invites(bot)) == 2, what="the updated invite")
    updated = invites(bot)[1]
    events = Calendar.from_ical(updated).walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {meeting.uid} and {e["SEQUENCE"] for e in events} == {1}
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert override.decoded("recurrence-id").astimezone(timezone.utc) == starts[2]
    assert override.decoded("dtstart").astimezone(timezone.utc) == moved_to


def test_the_add_form_registers_a_meeting_and_refuses_a_past_time(bot2: RunningBot) -> None:
    bot = bot2
    lee = bot.person("ULEE")
    lee.run("/meeting", "add", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("ULEE"), what="the add form")[-1]
    assert "Europe/Zurich" in str(form["blocks"])  # Lee's own zone, prefilled
    past = (bot.services.clock.now() - timedelta(days=2)).date().isoformat()
    refused = lee.submit_view({"Title": "CMC call", "Date": past})
    assert refused.payload and "meeting_day" in refused.payload["errors"]
    day = (bot.services.clock.now() + timedelta(days=4)).date()
    lee.submit_view({"Title": "CMC call", "Date": day.isoformat(), "Start time": "07:30", "Duration in minutes": "30"})
    eventually(lambda: any("registered" in t and "CMC call" in t for t in texts(bot)), what="the registration")
    occurrence = stored(bot).occurrences[0]
    assert occurrence.starts_at == datetime.combine(day, datetime.min.time().replace(hour=7, minute=30)).replace(tzinfo=tz.zone("Europe/Zurich"))
