"""Every action-item message, form, list and Home tab is valid Block Kit, in every state and at every size."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.domain.actions import ActionItem, ItemStatus
from bot.domain.errors import UserError
from bot.slack_edge.blockkit import check_message, check_view
from bot.views import actions as views
from bot.views import blocks as bk
from bot.views.home import MAX_BLOCKS, HomeSection, home_view

T0 = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


def item(n: int = 1, *, owners: int = 1, text: str = "Send the CMC data package", due: date | None = date(2026, 12, 1),
         status: str = "open", overdue: bool = False, notes: str | None = None, permalink: str | None = None) -> ActionItem:
    return ActionItem(n, f"A-{n}", "C1", text, tuple(f"U{i}" for i in range(owners)), "U0", due, status=ItemStatus(status), notes=notes,
                      permalink=permalink, message_ts="1.1", created_at=T0, done_at=T0 if status == "done" else None,
                      done_by="U0" if status == "done" else None, is_overdue=overdue)


ITEMS = [item(), item(owners=10, text="x <y> & z" * 100, notes="n" * 2000, permalink="https://a.slack.com/archives/C1/p1"),
         item(due=None), item(status="done"), item(overdue=True), item(text="*bold* <!channel> <@U1>")]


@pytest.mark.parametrize("it", ITEMS)
def test_item_messages_and_dms_are_valid(it: ActionItem) -> None:
    check_message(*views.item_message(it))
    check_message(*views.reminder_message(it, "due"))
    check_message(*views.reminder_message(it, "overdue"))
    check_message(*views.reassigned_message(it, "U9"))
    check_view({"type": "home", "blocks": views.home_item(it)})


def test_user_text_cannot_broadcast_or_mention() -> None:
    _, blocks = views.item_message(item(text="*bold* <!channel> <@U1>"))
    assert "<!channel>" not in str(blocks) and "&lt;!channel&gt;" in str(blocks)


def test_done_items_lose_their_buttons_and_show_who_closed_them() -> None:
    _, blocks = views.item_message(item(status="done"))
    assert not [b for b in blocks if b["type"] == "actions"] and "Done by <@U0>" in str(blocks)


@pytest.mark.parametrize(("text", "link"), [("", None), ("We agreed " * 300, "https://a.slack.com/archives/C1/p1")])
def test_the_capture_form_is_valid_and_carries_its_channel_and_link(text: str, link: str | None) -> None:
    view = views.action_item_modal(channel_id="C1", text=text, permalink=link)
    check_view(view)
    assert views.ItemDraft.decode(view["private_metadata"]) == views.ItemDraft("C1", link)
    check_view(views.reassign_modal(item(owners=10)))


@pytest.mark.parametrize("raw", [None, "", "{}", '{"v":2,"channel_id":"C"}', "not json"])
def test_stale_metadata_and_buttons_are_user_errors(raw: str | None) -> None:
    with pytest.raises(UserError):
        views.ItemDraft.decode(raw)
    with pytest.raises(UserError):
        views.item_id_from(raw)


@pytest.mark.parametrize("count", [0, 1, 39, 40, 41, 300])
def test_lists_are_valid_at_every_size(count: int) -> None:
    for mine in (True, False):
        text, blocks = views.item_list([item(i + 1) for i in range(count)], mine=mine)
        check_message(text, blocks)


def section(title: str, n: int, urgency: int, hidden: int = 0) -> HomeSection:
    return HomeSection(title, [bk.section(f"{title} {i}") for i in range(n)], urgency, hidden)


@pytest.mark.parametrize("sizes", [(), (0,), (1,), (150,), (150, 150, 150), (97, 2), (40, 40, 40, 40), (1,) * 33])
def test_home_stays_within_slacks_limit_and_counts_the_rest(sizes: tuple[int, ...]) -> None:
    sections = [section(f"S{i}", n, urgency=len(sizes) - i) for i, n in enumerate(sizes)]
    view = home_view(sections)
    check_view(view)
    assert len(view["blocks"]) <= MAX_BLOCKS
    shown = str(view["blocks"])
    for s in sections:  # every section keeps its heading, and what it hides is counted
        assert f"*{s.title}*" in shown
        kept = sum(1 for b in view["blocks"] if b.get("text", {}).get("text", "").startswith(f"{s.title} "))
        if kept < len(s.blocks):
            assert f"…and {len(s.blocks) - kept} more." in shown


def test_home_puts_the_most_urgent_section_first() -> None:
    view = home_view([section("Later", 2, urgency=1), section("Now", 2, urgency=100, hidden=5)])
    text = str(view["blocks"])
    assert text.index("*Now*") < text.index("*Later*") and "…and 5 more." in text


def test_due_dates_render_as_slack_date_tokens() -> None:
    assert views.due_token(date(2026, 12, 1)).startswith("<!date^1796126400^{date_short_pretty}|2026-12-01>")
