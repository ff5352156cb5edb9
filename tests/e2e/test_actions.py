"""Alliance members capture action items anywhere in Slack and are reminded at 09:00 their time."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update

from bot.clock import FixedClock
from bot.domain import tz
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.domain.dates import example_day
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.scheduler.actions import REMIND
from storage.actions import channel_items, load_item
from storage.alliances import save_alliance
from storage.due_work import claim_due, state_of
from storage.models.alliances import AllianceRow
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, eventually

NY, ZURICH, TOKYO = "America/New_York", "Europe/Zurich", "Asia/Tokyo"


def items(bot: RunningBot):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return channel_items(session, bot.services.default_installation_id, CHANNEL, bot.services.clock.now())


def item_messages(bot: RunningBot) -> list[str]:
    return [str(m.blocks) for m in bot.slack.messages(CHANNEL) if m.text.startswith("Action item")]


def ephemeral_text(bot: RunningBot, user: str) -> str:
    return " ".join(str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, user))


def dms(bot: RunningBot, user: str) -> list[str]:
    return [str(m.blocks) for m in bot.slack.messages(bot.slack.ws.dm_channel(user).channel_id)]


def reminder_at(bot: RunningBot, item_id: int, label: str, user: str, version: int = 1) -> datetime:
    key = f"{bot.services.default_installation_id}:action:{item_id}:v{version}:{label}:{user}"
    with bot.services.db.read() as session:
        found = state_of(session, key)
    assert found is not None, key
    return found.due_at


def ahead(bot: RunningBot, fits: Callable[[int], date]) -> date:
    """`fits(year)` for the first year from this one where that day is still days ahead (tests must not expire)."""
    year = bot.services.clock.now().year
    while fits(year) < bot.services.clock.now().date() + timedelta(days=3):
        year += 1
    return fits(year)


def friday_before_new_york_springs_forward(year: int) -> date:
    """The Friday before the second Sunday of March (New York's DST change; Zurich's is two or three weeks later)."""
    first_sunday = 1 + (6 - date(year, 3, 1).weekday()) % 7
    return date(year, 3, first_sunday + 7) - timedelta(days=2)


def a_friday_in_january(year: int) -> date:
    """The first Friday from 4 January: winter in Europe, a weekend before the next working day."""
    return date(year, 1, 4) + timedelta(days=(4 - date(year, 1, 4).weekday()) % 7)


def tick_at(bot: RunningBot, instant: datetime) -> None:
    Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(instant), worker="test").tick()


def test_capture_by_command_with_owners_and_a_date_then_list_and_done(bot2: RunningBot) -> None:
    bot = bot2
    # Commands are for people whose organisation installed the app: Lee (Alpha), not Kenji (Beta).
    maria, lee = bot.person("UMARIA"), bot.person("ULEE")
    due = (datetime.now(timezone.utc) + timedelta(days=10)).date()
    assert maria.run("/action", f"Send the CMC data package <@UKENJI|kenji> <@ULEE|lee> by {due.isoformat()}", channel=CHANNEL).acked
    eventually(lambda: item_messages(bot), what="the item message")
    [item] = items(bot)
    assert (item.ref, item.text, item.owner_ids, item.due) == ("A-1", "Send the CMC data package", ("UKENJI", "ULEE"), due)
    message = item_messages(bot)[0]
    assert "A-1" in message and "<@UKENJI>" in message and "<!date^" in message
    for label in ("Done", "Snooze 1 day", "Snooze 1 week", "Reassign"):
        assert f"'text': '{label}'" in message

    maria.run("/action", "Book the JSC room", channel=CHANNEL)  # owner defaults to the caller, no due date
    eventually(lambda: len(items(bot)) == 2, what="the second item")
    lee.run("/action", "list mine", channel=CHANNEL)
    eventually(lambda: "Your open action items" in ephemeral_text(bot, "ULEE"), what="Lee's list")
    assert "Send the CMC data package" in ephemeral_text(bot, "ULEE") and "Book the JSC room" not in ephemeral_text(bot, "ULEE")
    lee.run("/action", "list", channel=CHANNEL)
    eventually(lambda: "Book the JSC room" in ephemeral_text(bot, "ULEE"), what="the channel list")

    lee.run("/action", "done A-1", channel=CHANNEL)
    eventually(lambda: "is done" in ephemeral_text(bot, "ULEE"), what="the confirmation")
    eventually(lambda: "Done by <@ULEE>" in item_messages(bot)[0], what="the item message updated in place")
    assert [i.ref for i in items(bot)] == ["A-2"]
    lee.run("/action", "done A-99", channel=CHANNEL)
    eventually(lambda: "no action item A-99" in ephemeral_text(bot, "ULEE"), what="the refusal")
    lee.run("/action", "help", channel=CHANNEL)
    eventually(lambda: "keeps track of who does what by when" in ephemeral_text(bot, "ULEE"), what="the help")


def test_bad_dates_and_unknown_people_are_refused_and_nothing_is_created(bot2: RunningBot) -> None:
    bot = bot2
    maria = bot.person("UMARIA")
    yesterday = (datetime.now(tz.zone(NY)) - timedelta(days=1)).date()
    for text, answer in ((f"Send the deck by {yesterday.isoformat()}", "in the past"),
                         ("Send the deck by 2027-02-30", "is not a real date"),
                         ("Send the deck by 13th of never", "could not read the date"),
                         ("Send the deck @nobody by friday", "do not know @nobody"),
                         ("Send the deck <@UGHOST|ghost> by friday", "cannot find <@UGHOST>")):
        maria.run("/action", text, channel=CHANNEL)
        eventually(lambda: answer in ephemeral_text(bot, "UMARIA"), what=f"the refusal of {text!r}")
    # Errors show examples computed from Maria's own today in New York, never a fixed date.
    assert example_day(datetime.now(tz.zone(NY)).date()).isoformat() in ephemeral_text(bot, "UMARIA")
    assert items(bot) == [] and item_messages(bot) == []

    # A channel the bot is not in: Maria is told how to fix it, and no item is left behind.
    bot.slack.add_channel("C0PRIVATE", "side-room", members=["UMARIA"], bot_is_member=False)
    maria.run("/action", "Send the deck by friday", channel="C0PRIVATE")
    eventually(lambda: any("not a member of this channel" in str(m.text) for m in bot.slack.ephemerals("C0PRIVATE", "UMARIA")),
               what="the not-in-channel answer")
    # The same from a message there through the shortcut's form: the answer comes by DM.
    ts = maria.post_message("C0PRIVATE", "Let's have Maria send the deck")
    maria.message_shortcut("action_item_from_message", "C0PRIVATE", ts)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    maria.submit_view({})
    eventually(lambda: any("not a member of this channel" in m.text for m in bot.slack.messages(bot.slack.ws.dm_channel("UMARIA").channel_id)),
               what="the answer by DM")
    with bot.services.db.read() as session:
        assert channel_items(session, bot.services.default_installation_id, "C0PRIVATE", bot.services.clock.now()) == []


def test_capture_by_modal_and_by_message_shortcut_links_back(bot2: RunningBot) -> None:
    bot = bot2
    lee, maria = bot.person("ULEE"), bot.person("UMARIA")
    lee.run("/action", "", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("ULEE"), what="the form")[-1]
    assert form["title"]["text"] == "New action item"
    past = lee.submit_view({"What needs doing": "Update the alliance budget", "Due date": "2020-01-01"})
    assert past.payload and "action_due" in past.payload["errors"]
    due = (datetime.now(timezone.utc) + timedelta(days=20)).date()
    lee.submit_view({"What needs doing": "Update the alliance budget", "Owners (you, if nobody)": ["UANNA"],
                     "Due date": due.isoformat(), "Notes": "Use the Q4 actuals"})
    eventually(lambda: item_messages(bot), what="the item from the form")
    [item] = items(bot)
    assert (item.owner_ids, item.due, item.notes, item.creator_id) == (("UANNA",), due, "Use the Q4 actuals", "ULEE")

    ts = maria.post_message(CHANNEL, "We agreed Kenji circulates the stability data before the JSC")
    maria.message_shortcut("action_item_from_message", CHANNEL, ts)
    form = eventually(lambda: bot.slack.open_views("UMARIA"), what="the prefilled form")[-1]
    assert form["blocks"][0]["element"]["initial_value"] == "We agreed Kenji circulates the stability data before the JSC"
    maria.submit_view({"Owners (you, if nobody)": ["UKENJI"]})
    eventually(lambda: len(items(bot)) == 2, what="the item from the message")
    linked = items(bot)[-1]
    assert linked.ref == "A-2" and linked.permalink and ts.replace(".", "") in linked.permalink
    assert bot.slack.calls("chat.getPermalink")
    eventually(lambda: "From this message" in item_messages(bot)[-1], what="the link back")


def test_reminders_at_nine_in_each_owners_zone_across_a_dst_change(bot2: RunningBot) -> None:
    bot = bot2
    # The Friday before New York springs forward (2027-03-12, say: Sunday the 14th), so the overdue
    # DM on Monday is an hour earlier in UTC; Zurich changes two or three weeks later; Tokyo has no
    # DST. The next such Friday still ahead, so that the test does not expire with the date.
    due = ahead(bot, friday_before_new_york_springs_forward)
    monday = due + timedelta(days=3)

    def utc(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, datetime.min.time().replace(hour=hour, minute=minute), tzinfo=timezone.utc)

    bot.person("UMARIA").run("/action", f"Sign the amendment <@UMARIA|maria> <@ULEE|lee> <@UKENJI|kenji> by {due}", channel=CHANNEL)
    eventually(lambda: item_messages(bot), what="the item")
    [item] = items(bot)
    expected = {("UMARIA", "due"): utc(due, 14), ("UMARIA", "overdue"): utc(monday, 13),
                ("ULEE", "due"): utc(due, 8), ("ULEE", "overdue"): utc(monday, 8),
                ("UKENJI", "due"): utc(due, 0), ("UKENJI", "overdue"): utc(monday, 0)}
    for (user, label), at in expected.items():
        assert reminder_at(bot, item.id, label, user) == at, (user, label)

    tick_at(bot, utc(due, 0, 1))
    assert len(dms(bot, "UKENJI")) == 1 and not dms(bot, "ULEE") and not dms(bot, "UMARIA")
    assert "is due today" in dms(bot, "UKENJI")[0]
    tick_at(bot, utc(due, 13, 59))
    assert len(dms(bot, "ULEE")) == 1 and not dms(bot, "UMARIA")
    tick_at(bot, utc(due, 14))
    tick_at(bot, utc(due, 14, 1))  # a second tick sends nothing again
    assert [len(dms(bot, u)) for u in ("UMARIA", "ULEE", "UKENJI")] == [1, 1, 1]
    tick_at(bot, utc(monday, 13))  # Monday, past the weekend
    assert [len(dms(bot, u)) for u in ("UMARIA", "ULEE", "UKENJI")] == [2, 2, 2]
    assert "is overdue" in dms(bot, "UMARIA")[-1]
    tick_at(bot, utc(monday + timedelta(days=15), 9))  # after that: the digest, not more DMs
    assert [len(dms(bot, u)) for u in ("UMARIA", "ULEE", "UKENJI")] == [2, 2, 2]

    # Done from the reminder DM: the DM shows it done, and so does the channel message.
    kenji_dm = bot.slack.ws.dm_channel("UKENJI").channel_id
    bot.person("UKENJI").click("Done", channel=kenji_dm)
    eventually(lambda: "Done by <@UKENJI>" in dms(bot, "UKENJI")[-1], what="the DM updated")
    eventually(lambda: "Done by <@UKENJI>" in item_messages(bot)[0], what="the channel message updated")


def test_done_and_snoozed_items_are_not_reminded_and_reassign_tells_the_new_owner(bot2: RunningBot) -> None:
    bot = bot2
    maria, lee = bot.person("UMARIA"), bot.person("ULEE")
    due = (datetime.now(tz.zone(ZURICH)) + timedelta(days=3)).date()
    lee.run("/action", f"Finish the CMC section by {due}", channel=CHANNEL)
    eventually(lambda: len(item_messages(bot)) == 1, what="the first item")  # so A-1 is the first message
    lee.run("/action", f"Chase the legal review by {due}", channel=CHANNEL)
    eventually(lambda: len(item_messages(bot)) == 2, what="two items")
    first, second = items(bot)
    lee.click("Done", channel=CHANNEL, message_ts=bot.slack.messages(CHANNEL)[0].ts)
    eventually(lambda: "Done by <@ULEE>" in item_messages(bot)[0], what="the first item done")
    lee.click("Snooze 1 week", channel=CHANNEL, message_ts=bot.slack.messages(CHANNEL)[1].ts)
    eventually(lambda: "is now due" in ephemeral_text(bot, "ULEE"), what="the snooze confirmation")
    with bot.services.db.read() as session:
        snoozed = load_item(session, bot.services.default_installation_id, second.id, bot.services.clock.now())
    assert snoozed is not None and snoozed.due == due + timedelta(weeks=1) and snoozed.version == 2
    nine = datetime.combine(due, datetime.min.time().replace(hour=9)).replace(tzinfo=tz.zone(ZURICH))
    tick_at(bot, nine + timedelta(minutes=1))
    assert dms(bot, "ULEE") == []  # neither the done item nor the old date of the snoozed one
    assert reminder_at(bot, second.id, "due", "ULEE", version=2) == datetime.combine(
        snoozed.due, datetime.min.time().replace(hour=9)).replace(tzinfo=tz.zone(ZURICH)).astimezone(timezone.utc)

    maria.click("Reassign", channel=CHANNEL, message_ts=bot.slack.messages(CHANNEL)[1].ts)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the reassign form")
    refused = maria.submit_view({"New owners": ["UBOT"]})
    assert refused.payload and "action_owners" in refused.payload["errors"]
    maria.submit_view({"New owners": ["UKENJI"]})
    eventually(lambda: dms(bot, "UKENJI"), what="the new owner told")
    assert "gave you an action item" in dms(bot, "UKENJI")[0] and "Chase the legal review" in dms(bot, "UKENJI")[0]
    eventually(lambda: "<@UKENJI>" in item_messages(bot)[1], what="the message showing the new owner")
    tick_at(bot, datetime.combine(snoozed.due, datetime.min.time(), tzinfo=timezone.utc) + timedelta(minutes=1))
    assert dms(bot, "ULEE") == [] and len(dms(bot, "UKENJI")) == 2  # Tokyo's 09:00 reminder, not Lee's
    assert first.ref == "A-1"


def test_a_restart_between_claiming_and_sending_does_not_send_twice(bot2: RunningBot) -> None:
    bot = bot2
    due = (datetime.now(timezone.utc) + timedelta(days=5)).date()
    bot.person("ULEE").run("/action", f"Send the batch records by {due}", channel=CHANNEL)
    eventually(lambda: item_messages(bot), what="the item")
    [item] = items(bot)
    at = reminder_at(bot, item.id, "due", "ULEE")
    # A scheduler claims the reminder and posts it, then dies before recording that it did.
    [claimed] = claim_due(bot.services.db, now=at, worker="dies")
    assert claimed.kind == REMIND
    build_senders(bot.services)[REMIND](claimed)
    assert len(dms(bot, "ULEE")) == 1
    # Another scheduler (or the restarted one) takes the work over once the lease has run out.
    tick_at(bot, at + timedelta(minutes=10))
    tick_at(bot, at + timedelta(minutes=20))
    assert len(dms(bot, "ULEE")) == 1
    with bot.services.db.read() as session:
        state = state_of(session, claimed.key)
    assert state is not None and state.status == "sent" and state.result and state.result.get("reconciled")


def test_short_ids_stay_unique_when_people_capture_at_the_same_moment(bot2: RunningBot) -> None:
    bot = bot2
    # Four people of Alpha, whose organisation installed the app (Beta's people have no slash commands).
    for user in ("UOMAR", "UPIA"):
        bot.slack.add_user(user, HOME, user[1:].lower())
        bot.slack.join(CHANNEL, user)
    people = [bot.person(u) for u in ("UMARIA", "ULEE", "UOMAR", "UPIA")]
    for n in range(3):
        for person in people:
            person.run("/action", f"Item {n} from {person.user_id}", channel=CHANNEL)
    eventually(lambda: len(items(bot)) == 12, what="twelve items")
    assert sorted(i.ref for i in items(bot)) == sorted(f"A-{n}" for n in range(1, 13))


def test_an_owner_without_a_zone_is_reminded_at_nine_in_the_alliances_zone(bot2: RunningBot) -> None:
    bot = bot2
    setup = Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)),
                     time_zone=ZURICH)
    with bot.services.db.write() as session:
        save_alliance(session, bot.services.default_installation_id, setup, by_user="UMARIA", now=bot.services.clock.now())
        # save_alliance does not store time_zone yet (there is no way to set it in /alliance today).
        session.execute(update(AllianceRow).where(AllianceRow.channel_id == CHANNEL).values(time_zone=ZURICH))
    friday = ahead(bot, a_friday_in_january)  # e.g. 2027-01-08; still ahead, so that the test does not expire
    bot.person("UMARIA").run("/action", f"Countersign the SOW <@UANNA|anna> by {friday}", channel=CHANNEL)  # Anna has no tz
    eventually(lambda: item_messages(bot), what="the item")
    [item] = items(bot)
    nine_cet = datetime.min.time().replace(hour=8)
    assert reminder_at(bot, item.id, "due", "UANNA") == datetime.combine(friday, nine_cet, tzinfo=timezone.utc)  # 09:00 CET
    assert reminder_at(bot, item.id, "overdue", "UANNA") == datetime.combine(friday + timedelta(days=3), nine_cet, tzinfo=timezone.utc)  # Monday
