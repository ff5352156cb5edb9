"""A shared channel's alliance lives under one installation; the others that have seen the channel work on its rows,
and take them over when that installation uninstalls."""
from __future__ import annotations

from cryptography.fernet import Fernet

from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.domain.consensus import Proposal
from storage.alliances import get_alliance, save_alliance
from storage.channel_homes import (
    ChannelHome,
    channel_home,
    channel_of_reference,
    forget_sighting,
    partner_installations,
    record_sighting,
    successors,
)
from storage.db import Database
from storage.decisions import channel_decisions, create_decision
from storage.due_work import enqueue, state_of
from storage.installation_tokens import TokenCipher, delete_tokens, save_tokens
from storage.installations import ensure_installation
from storage.retention import move_alliance
from tests.storage.helpers import T0

CHANNEL, OTHER = "C0SHARED", "C0ALPHAONLY"
ALLIANCE = Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha", "T0ALPHA"), Partner("Beta", "T0BETA")))


def installed(db: Database, team: str) -> int:
    """An installation with a bot token (it can speak)."""
    with db.write() as session:
        inst = ensure_installation(session, enterprise_id=None, team_id=team, team_name=team, bot_user_id=f"UBOT{team}", now=T0)
        save_tokens(session, TokenCipher(Fernet.generate_key().decode()), installation_id=inst, bot_token=f"xoxb-{team}",
                    refresh_token=None, expires_at=None, bot_id="B1", app_id="A1", scopes="chat:write", now=T0)
    return inst


def test_the_first_alliance_is_the_channel_s_home_for_every_installation_that_has_seen_it(database: Database) -> None:
    alpha, beta, gamma = installed(database, "T0ALPHA"), installed(database, "T0BETA"), installed(database, "T0GAMMA")
    with database.write() as session:
        assert record_sighting(session, alpha, CHANNEL, T0) and not record_sighting(session, alpha, CHANNEL, T0)
        record_sighting(session, beta, CHANNEL, T0)
        assert channel_home(session, beta, CHANNEL) == ChannelHome(alpha), "no alliance yet: at home where it was seen first"
        save_alliance(session, alpha, ALLIANCE, by_user="UMARIA", now=T0)
        decision = create_decision(session, installation_id=alpha, channel_id=CHANNEL, creator_id="UMARIA", proposal=Proposal("Go"),
                                   deciders=[("UMARIA", "Alpha")], partners=["Alpha", "Beta"], now=T0)
    with database.read() as session:
        assert channel_home(session, beta, CHANNEL) == ChannelHome(alpha, settled=True)
        assert channel_home(session, alpha, CHANNEL) == ChannelHome(alpha, settled=True)
        # Gamma has not seen the channel: it is not shared with Gamma's workspace, and stays invisible to it.
        assert channel_home(session, gamma, CHANNEL) == ChannelHome(gamma)
        assert channel_of_reference(session, beta, "decision", decision) == CHANNEL
        # Gamma shares no channel with Alpha: nothing of Alpha's is Gamma's to name.
        assert channel_of_reference(session, gamma, "decision", decision) is None
        assert channel_of_reference(session, beta, "decision", decision + 1000) is None
        assert channel_of_reference(session, beta, "unknown", decision) is None
        assert partner_installations(session, beta) == [beta, alpha]
        assert partner_installations(session, alpha) == [alpha, beta]
        assert partner_installations(session, gamma) == [gamma]


def test_an_uninstalled_home_hands_its_alliance_and_its_due_work_to_the_installation_that_saw_the_channel(database: Database) -> None:
    alpha, beta = installed(database, "T0ALPHA"), installed(database, "T0BETA")
    with database.write() as session:
        record_sighting(session, alpha, CHANNEL, T0)
        record_sighting(session, beta, CHANNEL, T0)
        save_alliance(session, alpha, ALLIANCE, by_user="UMARIA", now=T0)
        save_alliance(session, alpha, Alliance(OTHER, "Alpha only", MemberMapping.CONFIGURED, (Partner("Alpha", None, ("UMARIA",)),)),
                      by_user="UMARIA", now=T0)
        decision = create_decision(session, installation_id=alpha, channel_id=CHANNEL, creator_id="UMARIA", proposal=Proposal("Go"),
                                   deciders=[("UMARIA", "Alpha")], partners=["Alpha", "Beta"], now=T0)
        enqueue(session, installation_id=alpha, kind="digest", key=f"{alpha}:digest:{CHANNEL}", due_at=T0,
                payload={"channel": CHANNEL}, now=T0)
        enqueue(session, installation_id=alpha, kind="digest", key=f"{alpha}:digest:{OTHER}", due_at=T0,
                payload={"channel": OTHER}, now=T0)
        assert successors(session, alpha, CHANNEL) == [beta]
        assert successors(session, alpha, OTHER) == []
        delete_tokens(session, alpha)
    with database.read() as session:
        assert channel_home(session, beta, CHANNEL) == ChannelHome(beta, stranded=alpha)

    with database.write() as session:
        moved = move_alliance(session, alpha, beta, CHANNEL)
        forget_sighting(session, alpha, CHANNEL)
    assert moved["alliances"] == 1 and moved["decisions"] == 1 and moved["due_work"] == 1
    with database.read() as session:
        assert get_alliance(session, beta, CHANNEL) == ALLIANCE and get_alliance(session, alpha, CHANNEL) is None
        assert [d.id for d in channel_decisions(session, beta, CHANNEL, open_ones=True)] == [decision]
        assert state_of(session, f"{beta}:digest:{CHANNEL}") is not None, "due work keeps its place under the new key"
        assert state_of(session, f"{alpha}:digest:{OTHER}") is not None, "a channel nobody else saw stays where it was"
        assert get_alliance(session, alpha, OTHER) is not None
        assert channel_home(session, beta, CHANNEL) == ChannelHome(beta, settled=True)


def test_two_alliances_are_never_merged_by_guesswork(database: Database) -> None:
    alpha, beta = installed(database, "T0ALPHA"), installed(database, "T0BETA")
    with database.write() as session:
        save_alliance(session, alpha, ALLIANCE, by_user="UMARIA", now=T0)
        save_alliance(session, beta, ALLIANCE, by_user="UKENJI", now=T0)
        assert move_alliance(session, alpha, beta, CHANNEL) == {}
    with database.read() as session:
        assert get_alliance(session, alpha, CHANNEL) is not None and get_alliance(session, beta, CHANNEL) is not None
