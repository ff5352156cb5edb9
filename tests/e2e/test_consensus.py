"""A two-company alliance decides by consensus in its Slack Connect channel."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from storage.decisions import load_decision
from tests.e2e.conftest import CHANNEL, HOME, RunningBot, crowded_alliance, eventually, with_alliance


@pytest.fixture
def alliance(bot: RunningBot) -> RunningBot:
    with_alliance(bot)
    return bot


def decision_text(bot: RunningBot) -> str:
    messages = [m for m in bot.slack.messages(CHANNEL) if "Decision" in m.text]
    return str(messages[-1].blocks) if messages else ""


def stored(bot: RunningBot, decision_id: int = 1):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_decision(session, bot.services.default_installation_id, decision_id)


def test_a_block_means_no_consensus_and_its_concern_is_shown(alliance: RunningBot) -> None:
    bot = alliance
    maria, kenji, anna = bot.person("UMARIA"), bot.person("UKENJI"), bot.person("UANNA")
    assert maria.run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    eventually(lambda: "Move the Phase 2 start to Q3" in decision_text(bot), what="the decision message")

    assert maria.click("Support", channel=CHANNEL).acked
    assert maria.click("Support", channel=CHANNEL).acked  # a repeated click changes nothing
    assert kenji.click("Accept", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UKENJI"), what="the concern form")
    kenji.submit_view({"Your concern (optional)": "CMC capacity at Beta in Q3"})
    assert anna.click("Block", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UANNA"), what="Anna's form")
    refused = anna.submit_view({"Which interest of yours is not addressed?": "   "})
    assert refused.payload and refused.payload["response_action"] == "errors"
    anna.submit_view({"Which interest of yours is not addressed?": "Beta's IP in the combination"})

    # Each click is stored after its ack, in no set order: wait for the message to show all three votes.
    tally = ("*Alpha Pharma* (1/2 voted): Support 1", "*Beta Bio* (2/2 voted): Support 0 · Accept 1 · Won't block 0 · Block 1",
             "Beta's IP in the combination")
    eventually(lambda: all(t in decision_text(bot) for t in tally), what=f"the votes and the block on the message: {tally}")
    text = decision_text(bot)
    assert "<@ULEE>" in text  # Lee has not voted yet
    decision = stored(bot)
    assert sorted((v.voter_id, v.level.value) for v in decision.votes) == [("UANNA", "block"), ("UKENJI", "accept"), ("UMARIA", "support")]

    # Only the creator closes.
    kenji.click("Close decision", channel=CHANNEL)
    eventually(lambda: any("Only <@UMARIA>" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "No consensus" in decision_text(bot), what="the outcome")
    assert stored(bot).status == "closed"
    assert "Support" not in [e["text"]["text"] for b in bot.slack.messages(CHANNEL)[-1].blocks if b["type"] == "actions" for e in b["elements"]]


def test_qualified_consensus_lists_the_assumptions_to_monitor(alliance: RunningBot) -> None:
    bot = alliance
    maria, lee, kenji = bot.person("UMARIA"), bot.person("ULEE"), bot.person("UKENJI")
    maria.run("/consensus", "Adopt the joint publication plan", channel=CHANNEL)
    eventually(lambda: "joint publication plan" in decision_text(bot), what="the decision")
    maria.click("Support", channel=CHANNEL)
    lee.click("Won't block", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("ULEE"), what="Lee's form")
    lee.submit_view({"Your concern (optional)": "Embargo dates hold"})
    kenji.click("Support", channel=CHANNEL)
    # All three votes stored (in whatever order the clicks were handled) before Maria closes.
    eventually(lambda: "*Alpha Pharma* (2/2 voted)" in decision_text(bot) and "*Beta Bio* (1/2 voted)" in decision_text(bot)
               and "Support 1" in decision_text(bot).split("Beta Bio")[1], what="the tally")
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "Qualified consensus" in decision_text(bot), what="the outcome")
    assert "Embargo dates hold" in decision_text(bot)

    # The log shows it decided; the list of open decisions is empty again.
    lee.run("/consensus", "log", channel=CHANNEL)
    eventually(lambda: any("Qualified consensus" in str(m.blocks) and "Decision log" in str(m.blocks)
                           for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the log")
    lee.run("/consensus", "list", channel=CHANNEL)
    eventually(lambda: any("No open decisions" in str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the list")

    # The assumptions behind the consensus are recorded, and the scheduler brings them back.
    maria.click("Record assumptions to monitor", channel=CHANNEL)
    form = eventually(lambda: bot.slack.open_views("UMARIA"), what="the assumptions form")[-1]
    assert "Embargo dates hold" in str(form["blocks"])  # prefilled with the concerns
    today = bot.services.clock.now().date()
    past = maria.submit_view({"Key assumptions (one per line)": "Embargo dates hold\nJournal accepts joint authorship",
                              "Review on": (today - timedelta(days=1)).isoformat()})
    assert past.payload and "review" in past.payload["errors"]
    maria.submit_view({"Key assumptions (one per line)": "Embargo dates hold\nJournal accepts joint authorship",
                       "Review on": (today + timedelta(days=90)).isoformat()})
    eventually(lambda: "Recorded assumptions to monitor" in decision_text(bot), what="the recorded assumptions")
    assert "Journal accepts joint authorship" in decision_text(bot)
    review_at = stored(bot).review_at
    assert review_at is not None and (review_at.hour, review_at.minute) == (9, 0)  # 09:00 in the alliance's zone (UTC here)
    scheduler = Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(review_at + timedelta(minutes=1)), worker="t")
    scheduler.tick()
    scheduler.tick()
    reviews = [m for m in bot.slack.messages(CHANNEL) if "Time to review the assumptions" in str(m.blocks)]
    assert len(reviews) == 1 and "Journal accepts joint authorship" in str(reviews[0].blocks)


def test_votes_after_closing_and_from_non_deciders_are_refused(alliance: RunningBot) -> None:
    bot = alliance
    maria = bot.person("UMARIA")
    maria.run("/consensus", "Extend the term sheet deadline", channel=CHANNEL)
    eventually(lambda: "term sheet" in decision_text(bot), what="the decision")
    bot.person("ULEE").run("/consensus", "list", channel=CHANNEL)
    eventually(lambda: any("Extend the term sheet deadline" in str(m.blocks) and "0/4 voted" in str(m.blocks)
                           for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the open list")
    bot.slack.add_user("ULATE", HOME, "late", tz="UTC")
    with bot.slack.ws.lock:
        bot.slack.ws.channels[CHANNEL].members.append("ULATE")
    bot.person("ULATE").click("Support", channel=CHANNEL)
    eventually(lambda: any("not one of the deciders" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "ULATE")), what="the refusal")

    # The creator reminds the non-voters, at most once an hour; the scheduler sends the DMs.
    bot.person("UKENJI").click("Remind non-voters", channel=CHANNEL)
    eventually(lambda: any("can remind" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")
    maria.click("Remind non-voters", channel=CHANNEL)
    eventually(lambda: any("Reminding 4 of the 4" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the confirmation")
    Scheduler(bot.services.db, build_senders(bot.services), clock=bot.services.clock, worker="t").tick()
    for user in ("UMARIA", "ULEE", "UKENJI", "UANNA"):
        assert len(bot.slack.messages(bot.slack.ws.dm_channel(user).channel_id)) == 1
    maria.click("Remind non-voters", channel=CHANNEL)
    eventually(lambda: any("already reminded" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the hourly limit")
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "No decision" in decision_text(bot), what="the outcome")  # nobody voted: status quo
    assert stored(bot).votes == ()


def test_a_decision_needs_the_alliance_and_a_proposal(bot: RunningBot) -> None:
    # A channel of one organisation implies no partners (a Slack Connect one does: tests/e2e/test_alliance_implied.py).
    bot.slack.add_channel("C0INTERNAL", "alpha-internal", members=["UMARIA", "ULEE"])
    maria = bot.person("UMARIA")
    maria.run("/consensus", "Anything", channel="C0INTERNAL")
    eventually(lambda: any("/alliance setup" in str(m.blocks) for m in bot.slack.ephemerals("C0INTERNAL", "UMARIA")), what="the refusal")
    maria.run("/consensus", "help", channel="C0INTERNAL")
    eventually(lambda: any("decides by consensus" in str(m.blocks) for m in bot.slack.ephemerals("C0INTERNAL", "UMARIA")), what="the help")
    bot.settle()
    assert not bot.slack.messages("C0INTERNAL")


def test_a_burst_of_concurrent_votes_loses_nothing_and_ends_at_the_final_tally(bot: RunningBot) -> None:
    from concurrent.futures import ThreadPoolExecutor

    people = crowded_alliance(bot, "C0BURST", 20)
    bot.person("UA000").run("/consensus", "Approve the 2027 budget", channel="C0BURST")
    eventually(lambda: bot.slack.messages("C0BURST"), what="the decision")
    ts = bot.slack.messages("C0BURST")[0].ts

    with ThreadPoolExecutor(16) as pool:
        acks = list(pool.map(lambda user: bot.person(user).click("Support", channel="C0BURST", message_ts=ts), people))
    assert all(a.acked for a in acks)  # how fast is for benchmarks/consensus_burst.py (Slack allows 3 s)
    decision = eventually(lambda: (d := stored(bot)) and len(d.votes) == 40 and d, what="all 40 votes stored")
    assert {v.voter_id for v in decision.votes} == set(people)
    final = ("*Alpha Pharma* (20/20 voted): Support 20", "*Beta Bio* (20/20 voted): Support 20")
    eventually(lambda: all(f in str(bot.slack.messages("C0BURST")[0].blocks) for f in final), what="the final tally on the message")
    updates = len(bot.slack.calls("chat.update"))
    assert 1 <= updates < 40  # coalesced


def test_no_consensus_leads_to_a_revised_proposal_in_a_second_round(alliance: RunningBot) -> None:
    bot = alliance
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    maria.run("/consensus", "License the antibody to a third party", channel=CHANNEL)
    eventually(lambda: "third party" in decision_text(bot), what="round 1")
    first_ts = bot.slack.messages(CHANNEL)[-1].ts
    kenji.click("Block", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UKENJI"), what="Kenji's form")
    kenji.submit_view({"Which interest of yours is not addressed?": "Beta keeps co-promotion rights in Japan"})
    # The block is stored after the form's ack: Maria closes once it shows, or she would close an empty round.
    eventually(lambda: "co-promotion rights in Japan" in decision_text(bot), what="Kenji's block")
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "Revise proposal" in decision_text(bot), what="the revise button")

    kenji.click("Revise proposal", channel=CHANNEL)
    eventually(lambda: any("can revise" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")
    maria.click("Revise proposal", channel=CHANNEL)
    form = eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "consensus_revise_proposal"), None), what="the form")
    assert "co-promotion rights in Japan" in str(form["blocks"])  # the concerns to answer
    maria.submit_view({"Revised proposal": "License the antibody outside Japan; Beta co-promotes in Japan"})

    round_two = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if "round 2" in m.text], what="round 2")[-1]
    assert round_two.thread_ts == first_ts  # in the decision's thread, broadcast to the channel
    assert "Round 2 since <!date^" in str(round_two.blocks) and "since round 1 began" in str(round_two.blocks)
    first = eventually(lambda: next((m for m in bot.slack.messages(CHANNEL) if m.ts == first_ts and "round 2 is in the thread" in str(m.blocks)), None),
                       what="round 1 marked as superseded")
    assert not [b for b in first.blocks if b["type"] == "actions"]

    decision = stored(bot)
    assert (decision.round_number, decision.status, decision.votes) == (2, "open", ())
    assert decision.proposal.startswith("License the antibody outside Japan")
    maria.click("Support", channel=CHANNEL, message_ts=round_two.ts)
    kenji.click("Support", channel=CHANNEL, message_ts=round_two.ts)
    eventually(lambda: len(stored(bot).votes) == 2, what="round 2 votes")
    maria.click("Close decision", channel=CHANNEL, message_ts=round_two.ts)
    eventually(lambda: stored(bot).status == "closed", what="the close")
    assert stored(bot).outcome.value == "full_consensus"
    eventually(lambda: "Full consensus" in str(next(m for m in bot.slack.messages(CHANNEL) if m.ts == round_two.ts).blocks), what="the outcome")


def test_the_full_form_sets_deciders_and_a_deadline_that_the_scheduler_keeps(alliance: RunningBot) -> None:
    from datetime import timedelta

    from bot.clock import FixedClock
    from bot.jobs import build_senders
    from bot.scheduler import Scheduler

    bot = alliance
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    assert maria.run("/consensus", "", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the new-decision form")
    deadline = bot.services.clock.now().replace(microsecond=0) + timedelta(days=3)
    too_soon = maria.submit_view({"Proposal": "Adopt the 2027 joint development plan", "Pre-read link": "not a link",
                                  "Deadline (in your own time zone)": int((bot.services.clock.now() + timedelta(minutes=2)).timestamp())})
    assert too_soon.payload and set(too_soon.payload["errors"]) == {"preread", "deadline"}
    ack = maria.submit_view({"Proposal": "Adopt the 2027 joint development plan", "Pre-read link": "https://docs.example/jdp",
                             "Who decides (leave empty for the channel's members)": ["UMARIA", "UKENJI", "UANNA"],
                             "Deadline (in your own time zone)": int(deadline.timestamp())})
    assert ack.acked and not (ack.payload or {}).get("response_action")
    eventually(lambda: "2027 joint development plan" in decision_text(bot), what="the decision")
    text = decision_text(bot)
    assert f"<!date^{int(deadline.timestamp())}^" in text and "https://docs.example/jdp" in text
    assert stored(bot).decider_ids == ("UMARIA", "UKENJI", "UANNA")
    kenji.click("Support", channel=CHANNEL)
    eventually(lambda: len(stored(bot).votes) == 1, what="Kenji's vote")

    senders = build_senders(bot.services)
    clock = FixedClock(deadline - timedelta(hours=23))
    scheduler = Scheduler(bot.services.db, senders, clock=clock, worker="test")
    scheduler.tick()  # the 24 h reminders: Maria and Anna have not voted; Kenji has
    dms = {u: bot.slack.messages(bot.slack.ws.dm_channel(u).channel_id) for u in ("UMARIA", "UKENJI", "UANNA")}
    assert len(dms["UMARIA"]) == 1 and len(dms["UANNA"]) == 1 and not dms["UKENJI"]
    assert "Your vote is still missing" in str(dms["UANNA"][0].blocks)
    scheduler.tick()
    assert len(bot.slack.messages(bot.slack.ws.dm_channel("UANNA").channel_id)) == 1  # once each
    assert stored(bot).load.reminders == 2  # part of the decision's governance load

    clock.set(deadline + timedelta(minutes=1))
    scheduler.tick()  # the 1 h reminders, then the close at the deadline
    decision = stored(bot)
    assert decision.status == "closed" and decision.outcome.value == "no_consensus"  # Alpha Pharma never voted
    assert "Awaiting Alpha Pharma" in decision_text(bot)
    assert len(bot.slack.messages(bot.slack.ws.dm_channel("UANNA").channel_id)) == 2


def test_auto_close_when_everyone_has_voted(alliance: RunningBot) -> None:
    bot = alliance
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    maria.submit_view({"Proposal": "Name the programme ABX-1", "Who decides (leave empty for the channel's members)": ["UMARIA", "UKENJI"],
                       "Closing": ["Close as soon as every decider has voted"]})
    eventually(lambda: "ABX-1" in decision_text(bot), what="the decision")
    maria.click("Support", channel=CHANNEL)
    kenji.click("Support", channel=CHANNEL)
    eventually(lambda: "Full consensus" in decision_text(bot), what="the automatic close")
    assert stored(bot).status == "closed"


def test_the_decision_message_does_not_grow_with_the_team_and_the_full_list_is_a_click_away(bot2: RunningBot) -> None:
    import json

    bot = bot2
    sizes = {}
    for channel, per_partner in (("C0SMALL", 6), ("C0LARGE", 150)):
        people = crowded_alliance(bot, channel, per_partner)
        bot.person(people[0]).run("/consensus", f"Approve the supply plan for {channel}", channel=channel)
        message = eventually(lambda: bot.slack.messages(channel), what="the decision")[0]
        sizes[channel] = len(json.dumps(message.blocks))
    large = bot.slack.messages("C0LARGE")[0]
    assert sizes["C0LARGE"] - sizes["C0SMALL"] < 300, sizes  # ten names and two counts, whatever the team
    waiting = next(e["text"] for b in large.blocks if b["type"] == "context" for e in b["elements"] if "Not voted yet" in e["text"])
    assert waiting.count("<@") == 10 and "and 290 more (Alpha Pharma 140, Beta Bio 150)" in waiting

    # Anyone, of either partner, sees the whole list privately.
    bot.person("UB007").click("Who hasn't voted?", channel="C0LARGE", message_ts=large.ts)
    answer = eventually(lambda: [m for m in bot.slack.ephemerals("C0LARGE", "UB007") if "Not voted yet" in str(m.blocks)],
                        what="the full list")[-1]
    text = json.dumps(answer.blocks)
    assert all(f"<@{user}>" in text for user in [f"UA{i:03d}" for i in range(150)] + [f"UB{i:03d}" for i in range(150)])
    assert "*Alpha Pharma* (150)" in text and "*Beta Bio* (150)" in text
