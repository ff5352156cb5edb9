"""Nothing a person types is silently dropped or reinterpreted (issue #18, point 5).

Over Socket Mode and signed HTTP: a date, owner or amount the bot cannot read is refused in a
private answer that names it, offers examples valid on the person's own today, and shows the
command back as typed; nothing is created and nothing is posted in the channel.
"""
from __future__ import annotations

from datetime import datetime

from bot.domain import tz
from bot.domain.dates import date_examples, example_day
from bot.domain.mentions import as_typed
from storage.actions import channel_items
from storage.milestones import channel_milestones
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance

NY = "America/New_York"  # Maria's zone in the double


def answers(bot: RunningBot, user: str) -> list[str]:
    return [str(m.text) for m in bot.slack.ephemerals(CHANNEL, user)]


def refused(bot: RunningBot, user: str, command: str, text: str, *needles: str) -> str:
    """Type the command, wait for the private answer that quotes it back, and return that answer."""
    before = len(answers(bot, user))
    assert bot.person(user).run(command, text, channel=CHANNEL).acked
    echo = f"```{command} {as_typed(text)}```"
    found = eventually(lambda: [a for a in answers(bot, user)[before:] if echo in a], what=f"the refusal of {command} {text!r}")[0]
    for needle in needles:
        assert needle in found, (needle, found)
    return found


def nothing_posted_or_stored(bot: RunningBot) -> None:
    bot.settle()
    assert bot.slack.messages(CHANNEL) == []
    with bot.services.db.read() as session:
        installation = bot.services.default_installation_id
        assert channel_items(session, installation, CHANNEL, bot.services.clock.now()) == []
        assert channel_milestones(session, installation, CHANNEL, until=None, open_only=False) == []


def test_an_unreadable_due_date_is_refused_privately_by_name_and_nothing_is_created(bot2: RunningBot) -> None:
    bot = bot2
    today = datetime.now(tz.zone(NY)).date()  # Maria's own today, not the server's
    answer = refused(bot, "UMARIA", "/action", "Do something by someday-nonsense",
                     "could not read the date `someday-nonsense`", "Nothing was created", date_examples(today))
    assert example_day(today).isoformat() in answer and "2026-12-01" not in answer
    refused(bot, "UMARIA", "/action", "Send the slides <@UKENJI|kenji> by nxt friday",
            "`nxt friday`", "Did you mean `next friday`", "```/action Send the slides @kenji by nxt friday```")
    refused(bot, "UMARIA", "/action", "Send the slides by 12/01", "reads differently in different countries")
    refused(bot, "UMARIA", "/action", "Send the slides @nobody by friday", "do not know @nobody")
    nothing_posted_or_stored(bot)
    # `by` in prose is text, and says so by keeping it.
    bot.person("UMARIA").run("/action", "Contract reviewed by legal", channel=CHANNEL)
    eventually(lambda: any("Contract reviewed by legal" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the item")


def test_unreadable_amounts_currencies_and_dates_of_a_milestone_are_refused_and_nothing_is_added(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    due = example_day(datetime.now(tz.zone(NY)).date()).isoformat()
    refused(bot, "UMARIA", "/milestone", f"add Upfront {due} payment $5M USD in", "could not read the amount `$5M`",
            "Did you mean `5000000`?", "Nothing was added")
    refused(bot, "UMARIA", "/milestone", f"add Upfront {due} payment EUR 5m in", "`payment 5000000 EUR in`")
    refused(bot, "UMARIA", "/milestone", f"add Upfront {due} payment 5,5 EUR in", "`5,5`")
    refused(bot, "UMARIA", "/milestone", f"add Upfront {due} payment 5000000 EURO in", "Did you mean `EUR`?")
    refused(bot, "UMARIA", "/milestone", "add First patient dosed nxt friday", "`nxt friday`", "Did you mean `next friday`")
    nothing_posted_or_stored(bot)


def test_meeting_dates_and_people_that_cannot_be_read_are_refused(bot2: RunningBot) -> None:
    bot = bot2
    refused(bot, "UMARIA", "/meeting", "add JSC review nxt friday 15:00", "`nxt friday`", "Nothing was added")
    refused(bot, "UMARIA", "/meeting", "cadence JSC quarterly someday-nonsense", "`someday-nonsense`", "Nothing was set up")
    refused(bot, "UMARIA", "/meeting", f"cadence JSC quarterly {example_day(datetime.now(tz.zone(NY)).date())} <@UGHOST|ghost>",
            "cannot find <@UGHOST>")
    nothing_posted_or_stored(bot)
