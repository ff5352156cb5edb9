"""The alliance panel: pinned once in the channel, and every feature reachable from it by clicks, by either company's people."""
from __future__ import annotations

from datetime import timedelta

from bot.domain.actions import ActionItem
from bot.domain.consensus import Decision
from storage.actions import channel_items, load_item
from storage.decisions import channel_decisions
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.slack_double.state import Message

PANEL_TEXT = "Alliance Bot for"


def panels(bot: RunningBot) -> list[Message]:
    return [m for m in bot.slack.messages(CHANNEL) if m.text.startswith(PANEL_TEXT)]


def open_decisions(bot: RunningBot) -> list[Decision]:
    with bot.services.db.read() as session:
        return channel_decisions(session, bot.services.default_installation_id, CHANNEL, open_ones=True)


def items(bot: RunningBot) -> list[ActionItem]:
    with bot.services.db.read() as session:
        return channel_items(session, bot.services.default_installation_id, CHANNEL, bot.services.clock.now())


def item_now(bot: RunningBot, item_id: int) -> ActionItem | None:
    with bot.services.db.read() as session:
        return load_item(session, bot.services.default_installation_id, item_id, bot.services.clock.now())


def top_form(bot: RunningBot, user: str) -> str | None:
    stack = bot.slack.open_views(user)
    return str(stack[-1]["callback_id"]) if stack else None


def answered_privately(bot: RunningBot, user: str, words: str) -> bool:
    return any(words in m.text + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, user))


def test_the_panel_is_posted_and_pinned_once_and_kept_up_to_date(bot: RunningBot) -> None:
    with_alliance(bot)
    maria = bot.person("UMARIA")
    maria.run("/alliance", "panel", CHANNEL)
    [panel] = eventually(lambda: panels(bot), what="the panel")
    maria.run("/alliance", "panel", CHANNEL)
    bot.settle()
    assert [m.ts for m in panels(bot)] == [panel.ts], "asked twice, posted once"
    assert bot.slack.ws.channels[CHANNEL].pinned == [panel.ts]
    assert "Alpha Pharma" in str(panel.blocks) and "Beta Bio" in str(panel.blocks)
    # Deleted in Slack (which unpins it too): asking again posts and pins a new one.
    bot.services.gateway.call("chat.delete", channel=CHANNEL, ts=panel.ts)
    maria.run("/alliance", "panel", CHANNEL)
    [again] = eventually(lambda: panels(bot), what="the panel posted again")
    bot.settle()
    assert again.ts != panel.ts and bot.slack.ws.channels[CHANNEL].pinned == [again.ts]


def test_a_partner_person_reaches_every_feature_from_the_panel(bot: RunningBot) -> None:
    with_alliance(bot)
    bot.person("UMARIA").run("/alliance", "panel", CHANNEL)
    [panel] = eventually(lambda: panels(bot), what="the panel")
    kenji = bot.person("UKENJI")  # Beta Bio, the partner company

    def click(label: str) -> None:
        result = kenji.click(label, CHANNEL, panel.ts)
        assert result.acked, label

    click("Start a decision")
    eventually(lambda: top_form(bot, "UKENJI") == "consensus_start", what="the start form")
    kenji.submit_view({"Proposal": "Move the Phase 2 start to Q3"})
    [decision] = eventually(lambda: open_decisions(bot), what="the decision")
    assert decision.creator_id == "UKENJI"
    click("Open decisions")
    eventually(lambda: answered_privately(bot, "UKENJI", "Move the Phase 2 start to Q3"), what="the open decisions")
    for label, form in (("Add an action item", "action_item_new"), ("My working hours", "meeting_prefs"),
                        ("Propose a meeting", "meeting_propose"), ("Add a milestone", "milestone_add")):
        click(label)
        eventually(lambda form=form: top_form(bot, "UKENJI") == form, what=f"the {form} form")  # type: ignore[misc]
        kenji.close_view()
    click("My open items")
    eventually(lambda: answered_privately(bot, "UKENJI", "Your open action items"), what="Kenji's items")
    click("Preview the digest")
    click("Partners and people")
    eventually(lambda: answered_privately(bot, "UKENJI", "Beta Bio"), what="the alliance summary")
    bot.settle()
    # Nothing of this went to the channel for everyone: the answers were Kenji's alone.
    assert not [m for m in bot.slack.messages(CHANNEL) if "UKENJI" in m.text and not m.text.startswith("Decision")]


def test_a_partner_person_works_through_their_own_items_from_the_panel(bot: RunningBot) -> None:
    with_alliance(bot)
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    maria.run("/alliance", "panel", CHANNEL)
    [panel] = eventually(lambda: panels(bot), what="the panel")
    due = bot.services.clock.now().date() + timedelta(days=10)
    assert maria.run("/action", f"Send the CMC data package <@UKENJI|kenji> by {due.isoformat()}", channel=CHANNEL).acked
    [item] = eventually(lambda: items(bot), what="the item")
    assert kenji.click("My open items", CHANNEL, panel.ts).acked
    eventually(lambda: answered_privately(bot, "UKENJI", "Send the CMC data package"), what="Kenji's list")
    assert kenji.choose_from_menu(item.ref, "Snooze 1 week", CHANNEL).acked
    eventually(lambda: answered_privately(bot, "UKENJI", f"{item.ref} is now due"), what="the snooze")
    assert kenji.choose_from_menu(item.ref, "Done", CHANNEL).acked
    done = eventually(lambda: (found := item_now(bot, item.id)) and not found.is_open and found, what="the item done")
    assert done.done_by == "UKENJI" and (done.due or due) > due  # done, after the snooze moved it a week


def test_a_memo_reaction_captures_a_message_once_whoever_reacts(bot: RunningBot) -> None:
    with_alliance(bot)
    maria, kenji, anna = bot.person("UMARIA"), bot.person("UKENJI"), bot.person("UANNA")
    due = bot.services.clock.now().date() + timedelta(days=9)
    ts = maria.post_message(CHANNEL, f"<@UANNA> to send the stability data by {due.isoformat()}")
    assert kenji.react(CHANNEL, ts, "memo").acked  # Beta Bio's person, whose company has not installed the app
    [item] = eventually(lambda: items(bot), what="the captured item")
    assert (item.text, item.owner_ids, item.due, item.creator_id) == ("to send the stability data", ("UANNA",), due, "UKENJI")
    assert item.permalink and ts.replace(".", "") in item.permalink
    anna.react(CHANNEL, ts, "memo")  # a second reaction captures nothing more, and says which item it is
    eventually(lambda: answered_privately(bot, "UANNA", f"already action item {item.ref}"), what="the note to Anna")
    kenji.react(CHANNEL, ts, "thumbsup")  # other reactions mean nothing
    bot.settle()
    assert [i.id for i in items(bot)] == [item.id]


def test_a_reaction_on_a_message_whose_date_cannot_be_read_captures_nothing_and_says_why(bot: RunningBot) -> None:
    with_alliance(bot)
    ts = bot.person("UMARIA").post_message(CHANNEL, "Send the CMC package by nxt friday")
    bot.person("UKENJI").react(CHANNEL, ts, "memo")
    eventually(lambda: answered_privately(bot, "UKENJI", "Nothing was captured"), what="the refusal")
    assert items(bot) == []


def test_asking_again_while_the_panel_is_being_posted_posts_no_second_one(bot: RunningBot) -> None:
    with_alliance(bot)
    maria = bot.person("UMARIA")
    release = bot.slack.hold_answer("chat.postMessage")  # the first panel is visible, the bot does not know its ts yet
    maria.run("/alliance", "panel", CHANNEL)
    [first] = eventually(lambda: panels(bot), what="the panel")
    maria.run("/alliance", "panel", CHANNEL)
    eventually(lambda: answered_privately(bot, "UMARIA", "being posted"), what="the answer to the second ask")
    release.set()
    bot.settle()
    assert [m.ts for m in panels(bot)] == [first.ts] and bot.slack.ws.channels[CHANNEL].pinned == [first.ts]
