"""An alliance manager sets up a Slack Connect channel with /alliance, through Slack as people use it."""
from __future__ import annotations

from typing import Any

from storage.alliances import get_alliance
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, eventually, with_alliance


def ephemeral_text(bot: RunningBot, user: str) -> str:
    """Everything shown only to `user` in the alliance channel so far."""
    return "\n".join(str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, user))


def saved(bot: RunningBot) -> Any:
    with bot.services.db.read() as session:
        return get_alliance(session, bot.services.default_installation_id, CHANNEL)


def test_setup_from_an_empty_channel_to_a_mapped_alliance(bot: RunningBot) -> None:
    maria = bot.person("UMARIA")

    # Nothing set up yet: /alliance says so and points to setup.
    ack = maria.run("/alliance", "", channel=CHANNEL)
    assert ack.acked  # within Slack's 3 s is for benchmarks/ack_latency.py to show, not for a test to time
    eventually(lambda: "/alliance setup" in ephemeral_text(bot, "UMARIA"), what="the 'not set up' answer")

    # /alliance setup opens the form at once, then fills it with the two organisations found.
    assert maria.run("/alliance", "setup", channel=CHANNEL).acked
    view = eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "alliance_setup"), None), what="the setup form")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    team_options = [o["value"] for o in blocks["partner_1_team"]["element"]["options"]]
    assert set(team_options) == {HOME, PARTNER}
    assert any(c.method == "views.open" for c in bot.slack.calls("views.open"))

    form = {
        "Alliance name": "Alpha–Beta oncology",
        "Partner 1 name": "Alpha Pharma",
        "Partner 1 Slack organisation": "Alpha Pharma (2 here)",
        "Partner 1 country (public holidays)": "us",
        "Partner 2 name": "Beta Bio",
        "Partner 2 Slack organisation": "Beta Bio (2 here)",
        "Partner 2 country (public holidays)": "XX",
    }
    # A country whose holidays the calendar does not know is refused on its field.
    refused = maria.submit_view(form)
    assert refused.payload and refused.payload["response_action"] == "errors" and "partner_2_country" in refused.payload["errors"]
    ack = maria.submit_view({**form, "Partner 2 country (public holidays)": "DE"})
    assert ack.acked and not (ack.payload or {}).get("response_action")

    alliance = eventually(lambda: saved(bot), what="the saved alliance")
    assert alliance.name == "Alpha–Beta oncology"
    assert [(p.name, p.slack_team_id, p.country) for p in alliance.partners] == [("Alpha Pharma", HOME, "US"), ("Beta Bio", PARTNER, "DE")]

    # Everyone in the channel sees the setup, members grouped by their own company.
    posted = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if "Set up by" in str(m.blocks)], what="the announcement")
    text = str(posted[-1].blocks)
    assert "<@UMARIA>" in text and "<@UKENJI>" in text and "Set up by <@UMARIA>" in text
    # Anna has no time zone in Slack: that is said, not guessed.
    assert "No time zone in Slack for <@UANNA>" in text

    # /alliance now shows the setup to whoever asks: Lee of Alpha by the command; Kenji (Beta, which has not
    # installed the app, so has no slash commands) by the panel the setup pinned in the channel.
    bot.person("ULEE").run("/alliance", "", channel=CHANNEL)
    eventually(lambda: "Beta Bio" in ephemeral_text(bot, "ULEE"), what="the summary for Lee")
    panel = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if m.text.startswith("Alliance Bot for")], what="the panel")
    eventually(lambda: bot.slack.ws.channels[CHANNEL].pinned == [panel[0].ts], what="the panel pinned")  # pinned after it is posted
    assert bot.person("UKENJI").click("Partners and people", CHANNEL, panel[0].ts).acked
    eventually(lambda: "Alpha Pharma" in ephemeral_text(bot, "UKENJI"), what="the summary for Kenji")


def test_a_form_with_mistakes_comes_back_with_field_errors_and_saves_nothing(bot: RunningBot) -> None:
    maria = bot.person("UMARIA")
    maria.run("/alliance", "setup", channel=CHANNEL)
    eventually(lambda: any(v.get("callback_id") == "alliance_setup" for v in bot.slack.views()), what="the setup form")
    # Slack itself refuses empty required inputs; the bot's own rules catch the rest.
    ack = maria.submit_view({
        "Alliance name": "Alpha–Beta",
        "Partner 1 name": "Alpha Pharma",
        "Partner 2 name": "alpha pharma",
        "Partner 2 Slack organisation": "Alpha Pharma (2 here)",
    })
    assert ack.acked
    assert ack.payload and ack.payload["response_action"] == "errors"
    assert set(ack.payload["errors"]) == {"partner_2_name", "partner_2_team"}
    assert saved(bot) is None
    assert not bot.slack.messages(CHANNEL)


def test_unknown_subcommand_and_help_get_clear_private_answers(bot: RunningBot) -> None:
    lee = bot.person("ULEE")
    assert lee.run("/alliance", "frobnicate", channel=CHANNEL).acked
    eventually(lambda: "is not something I know" in ephemeral_text(bot, "ULEE"), what="the refusal")
    assert "`/alliance setup`" in ephemeral_text(bot, "ULEE")
    lee.run("/alliance", "help", channel=CHANNEL)
    eventually(lambda: "sets up this channel" in ephemeral_text(bot, "ULEE"), what="the help")
    assert not bot.slack.messages(CHANNEL)  # nothing was said in public


def test_a_channel_the_bot_is_not_in_gets_a_way_forward(bot: RunningBot) -> None:
    bot.slack.add_channel("C0NOBOT", "elsewhere", members=["UMARIA"], bot_is_member=False)
    maria = bot.person("UMARIA")
    assert maria.run("/alliance", "setup", channel="C0NOBOT").acked

    def answered() -> str:
        return "\n".join(str(m.text) + str(m.blocks) for m in bot.slack.ephemerals("C0NOBOT", "UMARIA"))

    eventually(lambda: "/invite" in answered(), what="the not-in-channel answer")


def test_member_profiles_are_cached_between_lookups(bot: RunningBot) -> None:
    maria = bot.person("UMARIA")
    maria.run("/alliance", "", channel=CHANNEL)
    eventually(lambda: ephemeral_text(bot, "UMARIA"), what="the first answer")
    # An empty channel setup needs no profiles; setting up does, and a second look-up reuses them.
    maria.run("/alliance", "setup", channel=CHANNEL)
    eventually(lambda: any(v.get("callback_id") == "alliance_setup" for v in bot.slack.views()), what="the setup form")
    first = len(bot.slack.calls("users.info"))
    assert first >= 4
    maria.run("/alliance", "setup", channel=CHANNEL)
    eventually(lambda: sum(v.get("callback_id") == "alliance_setup" for v in bot.slack.views()) >= 2, what="the second form")
    assert len(bot.slack.calls("users.info")) == first


def test_a_stale_or_foreign_form_is_refused_inside_the_modal(bot: RunningBot) -> None:
    maria = bot.person("UMARIA")
    maria.run("/alliance", "setup", channel=CHANNEL)
    view = eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "alliance_setup"), None), what="the setup form")
    with bot.slack.ws.lock:
        bot.slack.ws.views[view["id"]]["private_metadata"] = '{"v": 99}'
    ack = maria.submit_view({"Alliance name": "X", "Partner 1 name": "A", "Partner 2 name": "B"})
    assert ack.acked and ack.payload and ack.payload["response_action"] == "errors"
    assert "out of date" in ack.payload["errors"]["alliance_name"]
    assert saved(bot) is None


def test_the_alliance_zone_is_set_once_checked_and_needs_an_alliance(bot: RunningBot) -> None:
    lee = bot.person("ULEE")
    # A channel of one organisation implies no partners: it needs setting up first (a Slack Connect one does not).
    bot.slack.add_channel("C0INTERNAL", "alpha-internal", members=["UMARIA", "ULEE"])
    lee.run("/alliance", "zone Europe/Zurich", channel="C0INTERNAL")
    eventually(lambda: any("Set up this channel's alliance first" in str(m.blocks) for m in bot.slack.ephemerals("C0INTERNAL", "ULEE")),
               what="the way forward")
    with_alliance(bot)
    lee.run("/alliance", "zone Mars/Olympus", channel=CHANNEL)
    eventually(lambda: "Mars/Olympus" in ephemeral_text(bot, "ULEE"), what="the refusal of an unknown zone")
    assert saved(bot).time_zone == "UTC"
    lee.run("/alliance", "zone europe/zurich", channel=CHANNEL)
    eventually(lambda: "time zone is now Europe/Zurich" in ephemeral_text(bot, "ULEE"), what="the confirmation")
    assert saved(bot).time_zone == "Europe/Zurich"
    assert not bot.slack.messages(CHANNEL)
