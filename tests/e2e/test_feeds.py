"""Calendar feeds end to end: subscribe, change a meeting, the feed shows the change; pollers get 304s; a reset closes
the old address; a wrong token gets 404 and nothing else (issue 14, point 3)."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from icalendar import Calendar

from bot.domain import tz
from bot.feed_server import FeedApp
from bot.http_server import bind, make_http_server, stop_waitress
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_meetings import propose, stored
from tests.e2e.test_panel import panels
from tests.slack_double.clock import PATIENCE
from tests.views.calendar_readers import both

PUBLIC = "https://bot.example.com"


@pytest.fixture
def feeds(bot2: RunningBot) -> Iterator[tuple[RunningBot, str]]:
    """The bot with feeds switched on (ALLIANCEBOT_PUBLIC_URL), and where its feed server really listens."""
    bot = bot2
    bot.services.settings = replace(bot.services.settings, public_url=PUBLIC)
    server = make_http_server(FeedApp(bot.services), bind("127.0.0.1", 0), threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield with_alliance(bot), f"http://127.0.0.1:{server.effective_port}"
    stop_waitress(server, thread, timeout=PATIENCE)


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=PATIENCE) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def feed_urls(bot: RunningBot, user: str, served: str, count: int = 1) -> tuple[str, str]:
    """The alliance's and the person's feed addresses from the person's newest private answer, on the test's server."""
    answers = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, user) if "Calendar feeds" in str(m.blocks)][count - 1:],
                         what="the feed addresses")
    found = re.findall(re.escape(PUBLIC) + r"(/calendar/[A-Za-z0-9_-]+\.ics)", str(answers[-1].blocks))
    assert len(found) == 2, answers[-1].blocks
    return served + found[0], served + found[1]


def test_subscribe_change_a_meeting_and_the_feed_shows_it(feeds: tuple[RunningBot, str]) -> None:
    bot, served = feeds
    maria = bot.person("UMARIA")
    day = (bot.services.clock.now() + timedelta(days=10)).date().isoformat()
    propose(bot, "JSC", day, **{"Repeats": "Weekly", "Number of occurrences": "3"})
    maria.click("Confirm 1", channel=CHANNEL)
    eventually(lambda: stored(bot) is not None and stored(bot).status.value == "confirmed", what="the confirmed series")
    maria.run("/milestone", f"add First patient dosed {(bot.services.clock.now() + timedelta(days=40)).date()} payment 25,000,000 USD in",
              channel=CHANNEL)
    eventually(lambda: any("First patient dosed" in m.text + str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the milestone")

    assert maria.run("/alliance", "feed", channel=CHANNEL).acked
    alliance_url, my_url = feed_urls(bot, "UMARIA", served)
    status, headers, body = get(alliance_url)
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    meeting = stored(bot)
    series = both(body)
    assert [start for start, _ in series[meeting.uid]] == [o.starts_at for o in meeting.occurrences]
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert any("First patient dosed" in s and "25,000,000 USD" in s for s in summaries), summaries
    etag, modified = headers["etag"], headers["last-modified"]

    # A poller that has it costs a 304, by ETag or by date.
    assert get(alliance_url, **{"If-None-Match": etag})[0] == 304
    assert get(alliance_url, **{"If-Modified-Since": modified})[0] == 304

    # Maria moves the second occurrence: the feed shows the move at the next poll.
    moved = meeting.occurrences[1].starts_at + timedelta(days=1)
    local = moved.astimezone(tz.zone("America/New_York"))
    maria.run("/meeting", f"move 1.2 {local.date().isoformat()} {local.strftime('%H:%M')}", channel=CHANNEL)
    eventually(lambda: stored(bot).occurrences[1].starts_at == moved, what="the move stored")
    status, headers, body = get(alliance_url, **{"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag
    assert moved in [start for start, _ in both(body)[meeting.uid]]

    # Maria's own feed has her meetings too; a reset closes the alliance's old address, and nothing tells a stranger
    # whether an address ever existed.
    assert meeting.uid.encode() in get(my_url)[2]
    maria.run("/alliance", "feed reset", channel=CHANNEL)
    new_url, _ = feed_urls(bot, "UMARIA", served, count=2)
    assert new_url != alliance_url and get(new_url)[0] == 200
    for wrong in (alliance_url, served + "/calendar/" + "x" * 43 + ".ics", served + "/calendar/short.ics", served + "/calendar/"):
        status, _, body = get(wrong)
        assert (status, body) == (404, b"Not Found")


def test_a_partner_asks_by_the_panel_and_without_a_public_address_is_told_how_to_switch_feeds_on(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    bot.person("UMARIA").run("/alliance", "panel", channel=CHANNEL)
    panel = eventually(lambda: panels(bot), what="the panel")[-1]
    assert bot.person("UKENJI").click("Calendar feeds", channel=CHANNEL, message_ts=panel.ts).acked  # Beta's Kenji: clicks only
    eventually(lambda: any("ALLIANCEBOT_PUBLIC_URL" in m.text for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the answer")
