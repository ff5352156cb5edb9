"""A click on a message before the bot has stored where that message is still reaches the message.

Slack shows a posted message at once; the bot learns its ts only when chat.postMessage answers, and
stores it after that. On a loaded machine (issue 15) a person clicked Confirm on a meeting proposal
in between: the confirmation was stored, but its refresh found no message to update and the proposal
never showed it. The double's `hold_answer` holds the answer to the post, so the click lands in
that window every time rather than by chance.
"""
from __future__ import annotations

from datetime import timedelta

from bot.domain.meetings import MeetingStatus
from storage.actions import load_item
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_meetings import propose, stored


def item_now(bot: RunningBot):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_item(session, bot.services.default_installation_id, 1, bot.services.clock.now())


def test_a_confirm_clicked_before_the_proposal_was_stored_shows_on_the_proposal(bot2: RunningBot) -> None:
    bot = bot2
    release = bot.slack.hold_answer("chat.postMessage")
    propose(bot, "JSC", (bot.services.clock.now() + timedelta(days=10)).date().isoformat())
    assert bot.person("UMARIA").click("Confirm 1", channel=CHANNEL).acked
    eventually(lambda: (found := stored(bot)) is not None and found.status is MeetingStatus.CONFIRMED, what="the confirmation")
    release.set()
    eventually(lambda: "Confirmed: JSC" in bot.slack.messages(CHANNEL)[0].text, what="the confirmed proposal")


def test_a_vote_cast_before_the_decision_was_stored_shows_in_its_tally(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    release = bot.slack.hold_answer("chat.postMessage")
    bot.person("UMARIA").run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL)
    eventually(lambda: bot.slack.messages(CHANNEL), what="the decision message")
    assert bot.person("ULEE").click("Support", channel=CHANNEL).acked  # acked means stored
    release.set()
    eventually(lambda: "Support 1" in str(bot.slack.messages(CHANNEL)[0].blocks), what="the vote in the tally")


def test_done_clicked_before_the_item_was_stored_shows_on_the_item(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    release = bot.slack.hold_answer("chat.postMessage")
    bot.person("UMARIA").run("/action", "Book the JSC room", channel=CHANNEL)
    eventually(lambda: bot.slack.messages(CHANNEL), what="the item message")
    assert bot.person("UMARIA").click("Done", channel=CHANNEL).acked
    eventually(lambda: not item_now(bot).is_open, what="the item done")
    release.set()
    eventually(lambda: "Done by" in str(bot.slack.messages(CHANNEL)[0].blocks), what="the item shown as done")
