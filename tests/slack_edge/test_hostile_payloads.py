"""Payload parsing at the edge turns any JSON into typed values or a user-facing error, never a crash."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import UserError
from bot.slack_edge.payloads import Actor, date_field, state_values, where_to_answer

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
element_types = st.sampled_from(["plain_text_input", "datepicker", "datetimepicker", "static_select", "checkboxes", "multi_users_select", "x"])
elements = st.builds(lambda kind, fields: {"type": kind, **fields}, element_types,
                     st.dictionaries(st.sampled_from(["value", "selected_date", "selected_date_time", "selected_option", "selected_options",
                                                      "selected_users"]), json_values, max_size=3))
views = st.one_of(json_values, st.builds(lambda values: {"state": {"values": values}},
                                         st.dictionaries(st.text(max_size=8),
                                                         st.one_of(json_values, st.dictionaries(st.text(max_size=4), elements, max_size=2)), max_size=4)))


@settings(max_examples=200, deadline=None)
@given(view=views)
def test_any_view_state_reads_as_typed_values(view: Any) -> None:
    for value in state_values(view if isinstance(view, dict) else {"state": view}).values():
        assert value is None or isinstance(value, (str, int)) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["user", "team", "channel", "container", "user_id", "channel_id"]), json_values))
def test_who_did_it_and_where_to_answer_never_crash(body: dict[str, Any]) -> None:
    channel, user = where_to_answer(body)
    assert channel is None or isinstance(channel, str)
    assert user is None or isinstance(user, str)
    try:
        actor = Actor.from_interaction(body)
    except UserError:
        return
    assert isinstance(actor.user_id, str) and actor.user_id


def test_a_date_time_outside_any_calendar_reads_as_empty() -> None:
    view = {"state": {"values": {"deadline": {"a": {"type": "datetimepicker", "selected_date_time": 10**30}}}}}
    assert state_values(view) == {"deadline": None}
    with pytest.raises(UserError):
        Actor.from_interaction({"user": "U123"})


@given(value=json_values)
def test_a_date_pickers_value_is_a_day_none_or_a_user_error(value: Any) -> None:
    try:
        picked = date_field({"due": value}, "due")
    except UserError as refusal:
        assert "calendar" in refusal.message
    else:
        assert picked is None or isinstance(picked, date)
    assert date_field({"due": "2027-03-01"}, "due") == date(2027, 3, 1)
    assert date_field({}, "due") is None
