"""An alliance registers, moves and cancels meetings; reminders and the review prompt come once, at the right times."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytz

from bot.clock import FixedClock
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from storage.meetings import load_meeting
from tests.e2e.conftest import CHANNEL, RunningBot, eventually


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
    starts = pytz.timezone("Europe/Zurich").localize(datetime.combine(day, datetime.min.time().replace(hour=15))).astimezone(pytz.utc)
    assert meeting.occurrences[0].starts_at == starts and meeting.duration_minutes == 60
    assert set(meeting.participant_ids) == {"UMARIA", "ULEE", "UKENJI", "UANNA"}  # the channel's people, not the bot

    # The organiser moves it an hour later: the reminders follow the new time.
    maria.run("/meeting", f"move 1.1 {day.isoformat()} 10:00", channel=CHANNEL)  # Maria's own zone: New York
    eventually(lambda: any("moved to" in t for t in texts(bot)), what="the move")
    moved = stored(bot).occurrences[0]
    new_start = pytz.timezone("America/New_York").localize(datetime.combine(day, datetime.min.time().replace(hour=10))).astimezone(pytz.utc)
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
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    day = (bot.services.clock.now() + timedelta(days=5)).date()
    maria.run("/meeting", f"add Ops sync {day.isoformat()} 08:00 30m", channel=CHANNEL)
    eventually(lambda: any("registered" in t for t in texts(bot)), what="the registration")
    kenji.run("/meeting", "list", channel=CHANNEL)
    eventually(lambda: any("`1.1`" in str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the list")
    kenji.run("/meeting", "cancel 1", channel=CHANNEL)
    eventually(lambda: any("Only <@UMARIA>" in m.text for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")
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
    maria, anna = bot.person("UMARIA"), bot.person("UANNA")
    maria.run("/meeting", "", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("UMARIA"), what="the propose form")[-1]
    assert "UKENJI" in str(form["blocks"])  # the channel's members by default
    refused = maria.submit_view({"Title": "JSC", "Duration in minutes": "52"})
    assert refused.payload and refused.payload["response_action"] == "errors" and "meeting_duration" in refused.payload["errors"]
    maria.submit_view({"Title": "JSC"})
    eventually(lambda: any("<@UANNA> has no time zone" in m.text for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the question")
    assert not [m for m in bot.slack.messages(CHANNEL) if "proposal" in m.text.lower()]  # nothing was proposed

    # Anna, with no zone in Slack, gives hers with her working hours.
    anna.run("/meeting", "prefs", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UANNA"), what="the prefs form")
    bad = anna.submit_view({"Your time zone (Slack has none for you)": "Atlantis/Capital", "Working day starts (HH:MM)": "08:00"})
    assert bad.payload and "prefs_zone" in bad.payload["errors"]
    anna.submit_view({"Your time zone (Slack has none for you)": "europe/stockholm", "Working day starts (HH:MM)": "08:00",
                      "Working day ends (HH:MM)": "16:00", "Never between (HH:MM-HH:MM, comma separated)": "21:00-07:00"})
    from storage.meetings import working_hours

    def kept():  # type: ignore[no-untyped-def]
        with bot.services.db.read() as session:
            return working_hours(session, bot.services.default_installation_id, {"UANNA": None}).get("UANNA")

    hours = eventually(kept, what="Anna's hours")
    assert hours.tz == "Europe/Stockholm" and hours.work_start.hour == 8 and hours.never[0][0].hour == 21
