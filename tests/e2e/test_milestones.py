"""An alliance manager tracks milestones and payments; the scheduler nudges the channel and the owner."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from bot.clock import FixedClock
from bot.domain import tz
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.scheduler.milestones import NUDGE, OVERDUE
from bot.usecases.milestones import home_section as milestones_home_section
from storage.due_work import claim_due, state_of
from storage.milestones import channel_milestones, load_milestone
from storage.models.due_work import DueWorkRow
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance


@pytest.fixture
def alliance(bot2: RunningBot) -> RunningBot:
    with_alliance(bot2)
    return bot2


def milestones(bot: RunningBot) -> list:  # type: ignore[type-arg]
    with bot.services.db.read() as session:
        return channel_milestones(session, bot.services.default_installation_id, CHANNEL, until=None, open_only=False)


def private(bot: RunningBot, user: str, needle: str) -> bool:
    return any(needle in str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, user))


def channel_has(bot: RunningBot, needle: str) -> list:  # type: ignore[type-arg]
    return [m for m in bot.slack.messages(CHANNEL) if needle in str(m.text) + str(m.blocks)]


def scheduler_at(bot: RunningBot, instant: datetime, worker: str = "w1") -> Scheduler:
    return Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(instant), worker=worker)


def test_add_by_command_list_with_totals_and_refuse_bad_input(alliance: RunningBot) -> None:
    bot = alliance
    maria = bot.person("UMARIA")
    year = bot.services.clock.now().year + 1
    maria.run("/milestone", f"add First patient dosed {year}-03-31 payment 25,000,000 USD in", channel=CHANNEL)
    maria.run("/milestone", f"add Opt-in fee {year}-05-15 payment 10000000.50 usd out", channel=CHANNEL)
    maria.run("/milestone", f"add EMA filing {year}-06-30 payment 5000000 USD in", channel=CHANNEL)
    eventually(lambda: len(channel_has(bot, "added milestone")) == 3, what="three additions")

    # Refused with examples, and nothing created.
    for bad, needle in ((f"add Bad date {year}-02-30", "not a real date"), ("add Past thing 2020-01-01", "in the past"),
                        (f"add Bad amount {year}-01-01 payment 12abc USD in", "could not read the amount"),
                        (f"add Bad currency {year}-01-01 payment 5 XYZ in", "ISO 4217"),
                        ("add just-a-name", "e.g. `/milestone add")):
        maria.run("/milestone", bad, channel=CHANNEL)
        eventually(lambda: private(bot, "UMARIA", needle), what=f"the refusal of {bad!r}")
    assert len(milestones(bot)) == 3

    maria.run("/milestone", "list all", channel=CHANNEL)
    eventually(lambda: private(bot, "UMARIA", "Payments:"), what="the list")
    listing = [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "Payments:" in str(m.blocks)][-1]
    assert "30,000,000 USD in" in str(listing.blocks) and "10,000,000.50 USD out" in str(listing.blocks)
    assert "M-1" in str(listing.blocks) and "First patient dosed" in str(listing.blocks)

    maria.run("/milestone", "list 2m", channel=CHANNEL)
    eventually(lambda: private(bot, "UMARIA", "No open milestones due in the next 2 months"), what="the short list")


def test_add_by_modal_and_field_errors(alliance: RunningBot) -> None:
    bot = alliance
    lee = bot.person("ULEE")
    lee.run("/milestone", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("ULEE"), what="the form")
    due = (bot.services.clock.now().date() + timedelta(days=60)).isoformat()
    refused = lee.submit_view({"Name": "BLA submission", "Due date": due, "Payment amount": "lots", "Currency (ISO 4217)": "US$"})
    assert refused.payload and set(refused.payload["errors"]) == {"milestone_amount", "milestone_currency", "milestone_direction"}
    assert milestones(bot) == []
    lee.submit_view({"Name": "BLA submission", "Kind": "Regulatory", "Due date": due, "Responsible partner": "Beta Bio",
                     "Owner (nudged by DM)": "UKENJI", "Payment amount": "7500000", "Currency (ISO 4217)": "EUR",
                     "Payment direction": "In (we receive it)"})
    eventually(lambda: channel_has(bot, "BLA submission"), what="the addition")
    (added,) = milestones(bot)
    assert (added.kind.value, added.partner, added.owner_id, str(added.payment.amount), added.payment.currency) == (
        "regulatory", "Beta Bio", "UKENJI", "7500000", "EUR")

    # The owner's Home tab shows it (the section source the Home tab gathers).
    with bot.services.db.read() as session:
        kenji = milestones_home_section(session, bot.services.default_installation_id, "UKENJI", bot.services.clock.now())
        lee = milestones_home_section(session, bot.services.default_installation_id, "ULEE", bot.services.clock.now())
    assert kenji is not None and kenji.title == "Milestones" and "BLA submission" in str(kenji.blocks) and kenji.hidden_count == 0
    assert lee is None


def test_nudges_at_each_offset_once_to_channel_and_owner_with_restarts(alliance: RunningBot) -> None:
    bot = alliance
    db, installation = bot.services.db, bot.services.default_installation_id
    maria = bot.person("UMARIA")
    maria.run("/milestone", "zone Europe/Zurich", channel=CHANNEL)
    eventually(lambda: private(bot, "UMARIA", "Europe/Zurich"), what="the zone")
    maria.run("/milestone", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    due = bot.services.clock.now().date() + timedelta(days=45)
    maria.submit_view({"Name": "Phase 2 readout", "Due date": due.isoformat(), "Owner (nudged by DM)": "ULEE"})
    eventually(lambda: milestones(bot), what="the milestone")

    for days in (30, 7, 1, 0):
        day = due - timedelta(days=days)
        nine = datetime.combine(day, time(9, 0)).replace(tzinfo=tz.zone("Europe/Zurich")).astimezone(timezone.utc)
        with db.read() as session:
            row = state_of(session, f"{installation}:milestone:1:{due.isoformat()}:d{days}:{CHANNEL}")
        assert row is not None and row.due_at == nine
        # A scheduler claims the nudge and dies before sending; after the lease another one sends it once.
        assert claim_due(db, now=nine, worker="crashed", limit=1)
        scheduler_at(bot, nine + timedelta(minutes=10), "w2").tick()
        scheduler_at(bot, nine + timedelta(minutes=11), "w3").tick()
    label = {30: "Due in 30 days", 7: "Due in 7 days", 1: "Due in 1 day:", 0: "Due today"}
    for text in label.values():
        assert len(channel_has(bot, text)) == 1, text
    dms = [c for c in bot.slack.calls("chat.postMessage") if c.status == 200 and c.params.get("channel") == "ULEE"]
    assert sorted(str(c.params["text"]).split(" — ")[0] for c in dms) == ["Due in 1 day", "Due in 30 days", "Due in 7 days", "Due today"]


def test_achieved_with_payment_and_move_date_flows(alliance: RunningBot) -> None:
    bot = alliance
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    db, installation = bot.services.db, bot.services.default_installation_id
    due = bot.services.clock.now().date() + timedelta(days=8)  # its 7-day nudge is tomorrow 09:00, whatever the hour now
    maria.run("/milestone", f"add Tech transfer {due.isoformat()} payment 2000000 CHF out", channel=CHANNEL)
    eventually(lambda: milestones(bot), what="the milestone")
    nudge_at = min(r.due_at for r in pending(bot))
    scheduler_at(bot, nudge_at).tick()
    eventually(lambda: channel_has(bot, "Due in 7 days"), what="the first nudge")

    # Move date: the slip and its reason are kept, the old nudges go, new ones come.
    kenji.click("Move date", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UKENJI"), what="the move form")
    refused = kenji.submit_view({"New due date": due.isoformat(), "Why does it move?": "CMC"})
    assert refused.payload and "milestone_new_date" in refused.payload["errors"]
    later = due + timedelta(days=21)
    kenji.submit_view({"New due date": later.isoformat(), "Why does it move?": "CMC capacity slipped"})
    eventually(lambda: channel_has(bot, "CMC capacity slipped"), what="the slip message")
    with db.read() as session:
        moved = load_milestone(session, installation, 1)
    assert moved.due == later and [(s.from_date, s.to_date) for s in moved.slips] == [(due, later)]
    assert all(later.isoformat() in r.key for r in pending(bot))
    maria.run("/milestone", "list", channel=CHANNEL)
    eventually(lambda: private(bot, "UMARIA", "slipped 1×"), what="the slip history in the list")

    # Achieved: the date, and for a payment whether it was invoiced or received.
    nudge_at = min(r.due_at for r in pending(bot))
    scheduler_at(bot, nudge_at).tick()
    eventually(lambda: channel_has(bot, "Due in 7 days") and len(channel_has(bot, "Due in 7 days")) == 2, what="the moved nudge")
    maria.click("Achieved", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("UMARIA"), what="the achieved form")[-1]
    assert "Invoiced" in str(form["blocks"]) and "Received" in str(form["blocks"])
    maria.submit_view({"Achieved on": bot.services.clock.now().date().isoformat(), "The payment (2,000,000 CHF outgoing)": "Received"})
    eventually(lambda: channel_has(bot, "achieved on"), what="the achievement")
    with db.read() as session:
        done = load_milestone(session, installation, 1)
    assert done.achieved_on is not None and done.payment_state.value == "received"
    assert pending(bot) == []


def test_done_and_snooze_stop_the_nudges(alliance: RunningBot) -> None:
    bot = alliance
    maria = bot.person("UMARIA")
    due = bot.services.clock.now().date() + timedelta(days=40)
    maria.run("/milestone", f"add Option exercise {due.isoformat()}", channel=CHANNEL)
    # Commands run on a pool of listener threads: wait for the first to be stored, so it is M-1.
    eventually(lambda: len(milestones(bot)) == 1, what="the first milestone")
    maria.run("/milestone", f"add Royalty audit {due.isoformat()}", channel=CHANNEL)
    eventually(lambda: len(milestones(bot)) == 2, what="two milestones")
    first_nudge = min(r.due_at for r in pending(bot))
    scheduler_at(bot, first_nudge).tick()
    eventually(lambda: len(channel_has(bot, "Due in 30 days")) == 2, what="two nudges")
    # The Royalty audit's nudge (the scheduler may post the two nudges in either order).
    royalty = next(m for m in channel_has(bot, "Due in 30 days") if "Royalty audit" in str(m.text) + str(m.blocks))
    maria.click("Snooze nudges", channel=CHANNEL, message_ts=royalty.ts)
    eventually(lambda: private(bot, "UMARIA", "snoozed"), what="the snooze")
    option = next(m.ref for m in milestones(bot) if m.name == "Option exercise")
    maria.run("/milestone", f"done {option}", channel=CHANNEL)
    eventually(lambda: channel_has(bot, f"marked *{option}*"), what="done")
    assert pending(bot) == []


def pending(bot: RunningBot) -> list[DueWorkRow]:
    from sqlalchemy import select
    with bot.services.db.read() as session:
        return list(session.scalars(select(DueWorkRow).where(DueWorkRow.status == "pending", DueWorkRow.kind == NUDGE)))


def test_overdue_milestones_are_raised_weekly_until_achieved(alliance: RunningBot) -> None:
    bot = alliance
    maria = bot.person("UMARIA")
    due = bot.services.clock.now().date() + timedelta(days=2)
    maria.run("/milestone", f"add Supply agreement signed {due.isoformat()}", channel=CHANNEL)
    eventually(lambda: milestones(bot), what="the milestone")

    def overdue_rows() -> list[DueWorkRow]:
        from sqlalchemy import select
        with bot.services.db.read() as session:
            return list(session.scalars(select(DueWorkRow).where(DueWorkRow.status == "pending", DueWorkRow.kind == OVERDUE)))

    (first,) = overdue_rows()
    assert first.due_at == datetime.combine(due + timedelta(days=7), time(9, 0), tzinfo=timezone.utc)
    scheduler_at(bot, first.due_at).tick()
    scheduler_at(bot, first.due_at + timedelta(minutes=2), "w2").tick()
    assert len(channel_has(bot, "Overdue since")) == 1
    (second,) = overdue_rows()
    assert second.due_at == first.due_at + timedelta(days=7)
    scheduler_at(bot, second.due_at).tick()
    assert len(channel_has(bot, "Overdue since")) == 2
    maria.run("/milestone", "done M-1", channel=CHANNEL)
    eventually(lambda: channel_has(bot, "marked *M-1*"), what="done")
    assert overdue_rows() == []
