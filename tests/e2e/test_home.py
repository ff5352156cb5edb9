"""Each person's App Home shows what is theirs: open action items (overdue first) and votes they owe."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.domain.consensus import Proposal
from storage.actions import create_item
from storage.decisions import create_decision
from tests.e2e.conftest import CHANNEL, RunningBot, eventually


def home_text(bot: RunningBot, user: str) -> str:
    view = bot.slack.home_view(user)
    return str(view["blocks"]) if view else ""


def add_items(bot: RunningBot, owner: str, dues: list[date | None]) -> None:
    with bot.services.db.write() as session:
        for n, due in enumerate(dues):
            create_item(session, installation_id=bot.services.default_installation_id, channel_id=CHANNEL, text=f"Task {n} due {due}",
                        owner_ids=[owner], creator_id=owner, due=due, notes=None, permalink=None, now=bot.services.clock.now())


def test_home_with_nothing_waiting(bot2: RunningBot) -> None:
    bot = bot2
    # App Home exists only for people whose organisation installed the app: Maria (Alpha), not Anna (Beta).
    assert bot.person("UMARIA").open_home().acked
    eventually(lambda: "Nothing waiting for you" in home_text(bot, "UMARIA"), what="the empty Home tab")


def test_home_with_one_item_and_a_vote_owed_and_done_from_home(bot2: RunningBot) -> None:
    bot = bot2
    lee = bot.person("ULEE")
    due = (datetime.now(timezone.utc) + timedelta(days=4)).date()
    lee.run("/action", f"Send the stability data by {due}", channel=CHANNEL)
    eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if m.text.startswith("Action item")], what="the item")
    with bot.services.db.write() as session:
        create_decision(session, installation_id=bot.services.default_installation_id, channel_id=CHANNEL, creator_id="UMARIA",
                        proposal=Proposal("Adopt the joint publication plan"), deciders=[("ULEE", None), ("UMARIA", None)],
                        partners=[], now=bot.services.clock.now())
    lee.open_home()
    eventually(lambda: "Send the stability data" in home_text(bot, "ULEE"), what="Lee's Home tab")
    text = home_text(bot, "ULEE")
    assert "Decisions waiting for your vote" in text and "Adopt the joint publication plan" in text and f"<#{CHANNEL}>" in text
    assert "<!date^" in text
    assert text.index("Your open action items") < text.index("Decisions waiting for your vote")

    lee.click("Done", home=True)
    eventually(lambda: "Send the stability data" not in home_text(bot, "ULEE"), what="the Home tab refreshed")
    eventually(lambda: "Done by <@ULEE>" in str(bot.slack.messages(CHANNEL)[-1].blocks), what="the channel message updated")


def test_home_with_150_items_shows_the_overdue_first_within_100_blocks(bot2: RunningBot) -> None:
    bot = bot2
    today = datetime.now(timezone.utc).date()
    add_items(bot, "ULEE", [today + timedelta(days=n) for n in range(1, 146)] + [today - timedelta(days=n) for n in (1, 2, 3, 4, 5)])
    bot.person("ULEE").open_home()
    eventually(lambda: "Your open action items" in home_text(bot, "ULEE"), what="Lee's Home tab")
    view = bot.slack.home_view("ULEE")
    assert view is not None and len(view["blocks"]) <= 100
    text = str(view["blocks"])
    firsts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "Task" in b["text"]["text"]][:5]
    assert all("overdue" in f for f in firsts)
    shown = sum(1 for b in view["blocks"] if b["type"] == "section" and "Task" in b["text"]["text"])
    assert f"…and {150 - shown} more." in text
