"""A feed's token is made once, opens only its own feed, and is replaced by a reset."""
from __future__ import annotations

from datetime import timedelta

from storage.calendar_feeds import feed_token, find_feed, note_rendering, reset_token
from storage.db import Database
from tests.storage.helpers import T0, installation


def test_a_token_is_made_once_opens_its_own_feed_and_a_reset_closes_the_old_one(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        shared = feed_token(session, inst, "C1", "", T0)
        assert feed_token(session, inst, "C1", "", T0) == shared
        mine = feed_token(session, inst, "", "UMARIA", T0)
        assert len(shared) >= 40 and mine != shared
    with database.read() as session:
        found = find_feed(session, shared)
        assert found is not None and (found.channel_id, found.user_id) == ("C1", "")
        person = find_feed(session, mine)
        assert person is not None and (person.channel_id, person.user_id) == ("", "UMARIA")
        assert find_feed(session, shared[:-1]) is None and find_feed(session, "") is None
    with database.write() as session:
        fresh = reset_token(session, inst, "C1", "", T0)
    with database.read() as session:
        assert find_feed(session, shared) is None and find_feed(session, fresh) is not None


def test_the_last_change_moves_only_when_the_rendering_changes(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        token = feed_token(session, inst, "C1", "", T0)
    with database.read() as session:
        feed = find_feed(session, token)
    assert feed is not None
    later, much_later = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    with database.write() as session:
        note_rendering(session, feed.id, "etag-1", later)
        note_rendering(session, feed.id, "etag-1", much_later)
    with database.read() as session:
        again = find_feed(session, token)
    assert again is not None and (again.etag, again.changed_at) == ("etag-1", later)
