"""A channel gets its digest on schedule: previewed privately, posted weekly or daily, stopped; right across DST."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.domain import tz
from bot.domain.milestones import Direction, MilestoneDraft, Payment
from bot.domain.recurrence import WeeklyRule
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.scheduler.digests import DIGEST, schedule_digest
from storage.digests import set_digest_rule
from storage.milestones import create_milestone
from storage.models.due_work import DueWorkRow
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance


@pytest.fixture
def alliance(bot2: RunningBot) -> RunningBot:
    with_alliance(bot2)
    return bot2


def queued(bot: RunningBot) -> list[DueWorkRow]:
    with bot.services.db.read() as session:
        return list(session.scalars(select(DueWorkRow).where(DueWorkRow.kind == DIGEST, DueWorkRow.status == "pending")
                                    .order_by(DueWorkRow.due_at)))


def digests(bot: RunningBot) -> list:  # type: ignore[type-arg]
    return [m for m in bot.slack.messages(CHANNEL) if "Channel digest" in str(m.blocks)]


def tick_at(bot: RunningBot, instant: datetime) -> None:
    Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(instant), worker="w").tick()


def add_milestones(bot: RunningBot, count: int, first_due: date) -> None:
    with bot.services.db.write() as session:
        for n in range(count):
            draft = MilestoneDraft(f"Milestone number {n}", first_due + timedelta(days=n),
                                   payment=Payment(__import__("decimal").Decimal(1000 + n), "USD", Direction.IN))
            create_milestone(session, bot.services.default_installation_id, CHANNEL, draft, by_user="UMARIA", now=bot.services.clock.now())


def test_preview_schedule_weekly_once_and_off(alliance: RunningBot) -> None:
    bot = alliance
    maria = bot.person("UMARIA")
    maria.run("/digest", "", channel=CHANNEL)
    eventually(lambda: any("nothing new" in m.text for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the empty preview")
    maria.run("/consensus", "Adopt the joint publication plan", channel=CHANNEL)
    add_milestones(bot, 1, bot.services.clock.now().date() + timedelta(days=20))
    eventually(lambda: bot.slack.messages(CHANNEL), what="the decision")
    maria.run("/digest", "", channel=CHANNEL)
    previews = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "preview" in str(m.blocks)][1:], what="the preview")
    text = str(previews[-1].blocks)
    assert "Decisions waiting for votes" in text and "<@UKENJI>" in text and "Milestone number 0" in text
    assert "Meetings this week" not in text  # empty sections are left out

    maria.run("/digest", "weekly someday 09:00", channel=CHANNEL)
    eventually(lambda: any("not a weekday" in m.text for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the refusal")
    assert queued(bot) == []
    maria.run("/digest", "weekly mon 09:00 Europe/Zurich", channel=CHANNEL)
    eventually(lambda: queued(bot), what="the first firing")
    (first,) = queued(bot)
    local = first.due_at.astimezone(tz.zone("Europe/Zurich"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    tick_at(bot, first.due_at)
    tick_at(bot, first.due_at + timedelta(minutes=1))  # a second tick (or scheduler) sends nothing more
    assert len(digests(bot)) == 1
    (following,) = queued(bot)
    assert following.due_at == first.due_at + timedelta(days=7) or abs((following.due_at - first.due_at) - timedelta(days=7)) == timedelta(hours=1)

    maria.run("/digest", "off", channel=CHANNEL)
    eventually(lambda: any("digest is off" in m.text for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="off")
    assert queued(bot) == []
    tick_at(bot, following.due_at + timedelta(minutes=1))
    assert len(digests(bot)) == 1

    maria.run("/digest", "daily 08:30", channel=CHANNEL)  # the alliance's zone: UTC here
    eventually(lambda: queued(bot), what="the daily firing")
    assert (queued(bot)[0].due_at.hour, queued(bot)[0].due_at.minute) == (8, 30)


@pytest.mark.parametrize("zone, spring, autumn", [("Europe/Berlin", date(2027, 3, 28), date(2027, 10, 31)),
                                                  ("America/New_York", date(2027, 3, 14), date(2027, 11, 7))])
def test_weekly_digest_across_the_march_and_october_dst_changes(alliance: RunningBot, zone: str, spring: date, autumn: date) -> None:
    bot = alliance
    installation = bot.services.default_installation_id
    rule = WeeklyRule(0, datetime.strptime("09:00", "%H:%M").time(), zone)
    local_zone = tz.zone(zone)
    for change in (spring, autumn):
        start = datetime.combine(change - timedelta(days=15), datetime.min.time()).replace(tzinfo=local_zone).astimezone(timezone.utc)
        with bot.services.db.write() as session:
            version = set_digest_rule(session, installation, CHANNEL, rule, start)
            schedule_digest(session, installation, CHANNEL, rule, version, start)
        sent_before = len(digests(bot))
        fired: list[datetime] = []
        for _ in range(4):  # two Mondays before the change, two after
            (row,) = queued(bot)
            fired.append(row.due_at)
            tick_at(bot, row.due_at)
            tick_at(bot, row.due_at + timedelta(seconds=30))
        assert len(digests(bot)) == sent_before + 4  # never doubled, never skipped
        local = [f.astimezone(local_zone) for f in fired]
        assert [(x.weekday(), x.hour, x.minute) for x in local] == [(0, 9, 0)] * 4
        assert [b.date() - a.date() for a, b in pairwise(local)] == [timedelta(days=7)] * 3  # wall-clock weeks
        utc_gaps = {fired[i + 1] - fired[i] for i in range(3)}
        assert utc_gaps == {timedelta(days=7), timedelta(days=7) + (timedelta(hours=-1) if change == spring else timedelta(hours=1))}


def test_a_long_digest_is_cut_to_50_blocks_with_counts(alliance: RunningBot) -> None:
    bot = alliance
    add_milestones(bot, 70, bot.services.clock.now().date() + timedelta(days=1))
    maria = bot.person("UMARIA")
    for n in range(3):
        maria.run("/consensus", f"Proposal number {n}", channel=CHANNEL)
    eventually(lambda: len(bot.slack.messages(CHANNEL)) >= 3, what="the decisions")
    maria.run("/digest", "", channel=CHANNEL)
    preview = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "preview" in str(m.blocks)], what="the preview")[-1]
    assert len(preview.blocks) <= 50
    assert "…and" in str(preview.blocks) and "more" in str(preview.blocks)
    assert "Proposal number 2" in str(preview.blocks)  # short sections are kept whole
