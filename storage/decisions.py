"""Repository for consensus decisions, their rounds and votes; votes are upserts under a unique key."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.concerns import Concern
from bot.domain.consensus import (
    ANONYMOUS,
    Decision,
    DecisionStatus,
    GovernanceLoad,
    Level,
    Outcome,
    Proposal,
    RoundRecord,
    RoundSpan,
    Vote,
    VoteResult,
)
from bot.domain.governance import Body, PartyVote
from storage.concerns import concern_registers
from storage.governance import body_from_dict, body_to_dict
from storage.models.decisions import AnonymousTallyRow, BallotRow, DecisionRow, PartyVoteRow, RoundRow, VoteRow
from storage.models.disputes import DisputeRow


def create_decision(session: Session, *, installation_id: int, channel_id: str, creator_id: str, proposal: Proposal,
                    deciders: Sequence[tuple[str, str | None]], partners: Sequence[str], now: datetime,
                    body: Body | None = None, decision_type: str | None = None) -> int:
    """Start a decision with its first round (in `body`, whose copy it keeps); returns its id."""
    row = DecisionRow(installation_id=installation_id, channel_id=channel_id, creator_id=creator_id, status=DecisionStatus.OPEN,
                      deciders=[list(d) for d in deciders], partners=list(partners), created_at=now, background=proposal.background,
                      preread_url=proposal.preread_url, deadline=proposal.deadline, auto_close=proposal.auto_close,
                      anonymous=proposal.anonymous, body=body_to_dict(body) if body else None, decision_type=decision_type)
    session.add(row)
    session.flush()
    _add_round(session, row, 1, proposal.text, now)
    return row.id


def _add_round(session: Session, decision: DecisionRow, number: int, proposal: str, now: datetime) -> None:
    """A new round; in anonymous mode with every tally cell created at once, so row ids say nothing."""
    round_row = RoundRow(decision_id=decision.id, number=number, proposal=proposal, started_at=now)
    session.add(round_row)
    if decision.anonymous:
        session.flush()
        for partner in [*decision.partners, ""]:
            for level in Level:
                session.add(AnonymousTallyRow(round_id=round_row.id, partner=partner, level=level.value, count=0, concerns=[]))


def _bump(session: Session, decision_id: int, **counts: int) -> None:
    """Add to a decision's governance load atomically (concurrent voters never lose a count)."""
    table = cast(Table, DecisionRow.__table__)
    columns = {f"load_{name}": getattr(table.c, f"load_{name}") + n for name, n in counts.items() if n}
    if columns:
        session.connection().execute(update(table).where(table.c.id == decision_id).values(**columns))


def count_reminder(session: Session, decision_id: int) -> None:
    """A reminder was sent: part of the decision's governance load."""
    _bump(session, decision_id, reminders=1)


def set_message(session: Session, decision_id: int, ts: str) -> None:
    """Remember which message shows the decision (the first one also roots the rounds' thread)."""
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(message_ts=ts))
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.thread_ts.is_(None)).values(thread_ts=ts))


def load_decision(session: Session, installation_id: int, decision_id: int) -> Decision | None:
    """A decision of this installation (never another workspace's), with its current round's votes."""
    found = load_decisions(session, installation_id, [decision_id])
    return found[0] if found else None


def load_decisions(session: Session, installation_id: int, decision_ids: Sequence[int]) -> list[Decision]:
    """Decisions of this installation in the order asked, each with its current round's votes.

    A fixed number of queries however many are asked for (lists and digests), plus two per
    anonymous decision."""
    if not decision_ids:
        return []
    rows = {row.id: row for row in session.scalars(select(DecisionRow).where(DecisionRow.id.in_(decision_ids),
                                                                             DecisionRow.installation_id == installation_id))}
    rounds: dict[int, list[RoundRow]] = {}
    for round_row in session.scalars(select(RoundRow).where(RoundRow.decision_id.in_(rows)).order_by(RoundRow.number)):
        rounds.setdefault(round_row.decision_id, []).append(round_row)
    named_rounds = [rounds[i][-1].id for i, row in rows.items() if not row.anonymous and rounds.get(i)]
    named: dict[int, list[Vote]] = {}
    for v in session.scalars(select(VoteRow).where(VoteRow.round_id.in_(named_rounds)).order_by(VoteRow.id)):
        named.setdefault(v.round_id, []).append(Vote(v.voter_id, v.partner, Level(v.level), v.concern))
    party_rounds = [rounds[i][-1].id for i, row in rows.items() if row.body and rounds.get(i)]
    parties: dict[int, list[PartyVote]] = {}
    for pv in session.scalars(select(PartyVoteRow).where(PartyVoteRow.round_id.in_(party_rounds)).order_by(PartyVoteRow.id)):
        parties.setdefault(pv.round_id, []).append(PartyVote(pv.partner, Level(pv.level), pv.cast_by, pv.concern))
    # The concerns register fills as rounds close: an open first round (what every vote reloads) has none to query.
    registers = concern_registers(session, [i for i, row in rows.items() if row.status != DecisionStatus.OPEN or len(rounds.get(i, ())) > 1])
    # A decision its top body's default ended (or ends once the deciding party votes) is decided: no revision.
    defaulted = set(session.scalars(select(DisputeRow.decision_id).where(
        DisputeRow.decision_id.in_(rows), DisputeRow.status.in_(["defaulted", "awaiting_party"]))))
    out = []
    for decision_id in decision_ids:
        row = rows.get(decision_id)
        if row is None or not rounds.get(decision_id):
            continue
        current = rounds[decision_id][-1]
        ballots: tuple[str, ...] = ()
        if row.anonymous:
            votes = anonymous_votes(session, current.id)
            ballots = tuple(session.scalars(select(BallotRow.voter_id).where(BallotRow.round_id == current.id).order_by(BallotRow.voter_id)))
        else:
            votes = tuple(named.get(current.id, ()))
        out.append(_decision(row, rounds[decision_id], votes, ballots, tuple(parties.get(current.id, ())), registers.get(decision_id, ()),
                             ended_by_default=decision_id in defaulted))
    return out


def _decision(row: DecisionRow, rounds: list[RoundRow], votes: tuple[Vote, ...], ballots: tuple[str, ...],
              party_votes: tuple[PartyVote, ...], concerns: tuple[Concern, ...] = (), *, ended_by_default: bool = False) -> Decision:
    current = rounds[-1]
    return Decision(
        id=row.id, channel_id=row.channel_id, creator_id=row.creator_id, status=DecisionStatus(row.status),
        outcome=Outcome(row.outcome) if row.outcome else None, message_ts=row.message_ts, thread_ts=row.thread_ts, partners=tuple(row.partners),
        deciders=tuple((str(u), p) for u, p in row.deciders), round_number=current.number, proposal=current.proposal,
        rounds=tuple(RoundSpan(r.number, r.started_at, r.ended_at) for r in rounds),
        votes=votes,
        deadline=row.deadline, auto_close=row.auto_close, background=row.background, preread_url=row.preread_url,
        assumptions=tuple(row.assumptions or ()), review_at=row.review_at, anonymous=row.anonymous, ballots=ballots,
        load=GovernanceLoad(row.load_votes, row.load_vote_changes, row.load_concerns, row.load_revisions, row.load_reminders),
        created_at=row.created_at, closed_at=row.closed_at,
        body=body_from_dict(row.body) if row.body else None, decision_type=row.decision_type, party_votes=party_votes,
        concerns=concerns, ended_by_default=ended_by_default,
    )


def anonymous_votes(session: Session, round_id: int) -> tuple[Vote, ...]:
    """A round's anonymous votes as counted: no voter, concerns in sorted order."""
    votes: list[Vote] = []
    cells = session.scalars(select(AnonymousTallyRow).where(AnonymousTallyRow.round_id == round_id, AnonymousTallyRow.count > 0)
                            .order_by(AnonymousTallyRow.partner, AnonymousTallyRow.level))
    for cell in cells:
        concerns = list(cell.concerns or [])
        for i in range(cell.count):
            votes.append(Vote(ANONYMOUS, cell.partner or None, Level(cell.level), concerns[i] if i < len(concerns) else None))
    return tuple(votes)


def cast_vote(session: Session, decision: Decision, vote: Vote, now: datetime) -> VoteResult:
    """Set a decider's vote in the current round: new, changed or unchanged (a repeated click);
    in anonymous mode new or final (a second vote is refused: anonymous votes are final)."""
    return cast_votes(session, decision, [vote], now)[0]


def cast_votes(session: Session, decision: Decision, votes: Sequence[Vote], now: datetime) -> list[VoteResult]:
    """Cast several votes in the current round (a burst stored in one transaction); one result per vote, as cast_vote.

    Core statements on the session's connection: the ORM's per-statement work made a vote cost
    ~3 ms of CPU, which under a burst starved the threads that send acks."""
    round_id = session.scalar(select(RoundRow.id).where(RoundRow.decision_id == decision.id, RoundRow.number == decision.round_number))
    if round_id is None:
        raise ValueError(f"decision {decision.id} has no round {decision.round_number}")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    cast = _cast_anonymous if decision.anonymous else _cast_named
    results = [cast(session.connection(), dialect, round_id, vote, now) for vote in votes]
    _bump(session, decision.id, votes=results.count(VoteResult.NEW), vote_changes=results.count(VoteResult.CHANGED),
          concerns=sum(1 for vote, result in zip(votes, results, strict=True) if vote.concern and result.counts))
    return results


# Declarative models' __table__ is typed as a FromClause; these are Tables.
BALLOTS, TALLIES, VOTES = (cast(Table, row.__table__) for row in (BallotRow, AnonymousTallyRow, VoteRow))


def _cast_anonymous(conn: Any, dialect: Any, round_id: int, vote: Vote, _now: datetime) -> VoteResult:
    # The ballot (who) and the count (what) are written in one transaction but never in one row.
    ballot = dialect.insert(BALLOTS).values(round_id=round_id, voter_id=vote.voter_id)
    if conn.execute(ballot.on_conflict_do_nothing(index_elements=["round_id", "voter_id"]).returning(BALLOTS.c.id)).scalar() is None:
        return VoteResult.FINAL
    cell = (TALLIES.c.round_id == round_id) & (TALLIES.c.partner == (vote.partner or "")) & (TALLIES.c.level == vote.level.value)
    # Row locks on PostgreSQL (SQLite writers are already serialised) before reading the concerns.
    rows = conn.execute(select(TALLIES.c.partner, TALLIES.c.level, TALLIES.c.concerns).where(TALLIES.c.round_id == round_id)
                        .order_by(TALLIES.c.id).with_for_update()).all()
    concerns = next((list(c or []) for p, level, c in rows if p == (vote.partner or "") and level == vote.level.value), None)
    if concerns is None:
        raise ValueError(f"round {round_id} has no tally cell for partner {vote.partner!r}")
    # Every cell of the round is rewritten by one statement: on PostgreSQL each row then carries this
    # transaction's id (xmin) and a new place (ctid), so neither points at the cell that was counted,
    # and a ballot's xmin matches all cells alike. Concerns are kept sorted, so their order says nothing.
    written = sorted([*concerns, vote.concern]) if vote.concern else concerns
    conn.execute(update(TALLIES).where(TALLIES.c.round_id == round_id).values(
        count=TALLIES.c.count + case((cell, 1), else_=0),
        concerns=case((cell, bindparam("written", written, type_=TALLIES.c.concerns.type)), else_=TALLIES.c.concerns)))
    return VoteResult.NEW


def _cast_named(conn: Any, dialect: Any, round_id: int, vote: Vote, now: datetime) -> VoteResult:
    changes = conn.execute(_named_vote_statement(dialect.__name__), {
        "round_id": round_id, "voter_id": vote.voter_id, "partner": vote.partner, "level": vote.level.value,
        "concern": vote.concern, "changes": 0, "updated_at": now}).scalar()
    if changes is None:
        return VoteResult.UNCHANGED
    return VoteResult.NEW if changes == 0 else VoteResult.CHANGED


@functools.cache
def _named_vote_statement(dialect_name: str) -> Any:
    """The vote upsert, built once per dialect with bound parameters (building it per vote was most
    of a burst's storing time)."""
    dialect = postgresql if dialect_name.endswith("postgresql") else sqlite
    insert = dialect.insert(VOTES).values({name: bindparam(name) for name in
                                           ("round_id", "voter_id", "partner", "level", "concern", "changes", "updated_at")})
    # One row per (round, voter) under a unique constraint: concurrent clicks cannot add a second
    # vote, and the last one wins. An identical click updates nothing.
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=["round_id", "voter_id"],
        set_={"level": excluded.level, "concern": excluded.concern, "partner": excluded.partner,
              "changes": VOTES.c.changes + 1, "updated_at": excluded.updated_at},
        where=(VOTES.c.level != excluded.level) | (VOTES.c.concern.is_distinct_from(excluded.concern)),
    ).returning(VOTES.c.changes)


def cast_party_vote(session: Session, decision: Decision, vote: PartyVote, now: datetime) -> VoteResult:
    """Set a party's vote in the current round (its lead's; one row per party, changed in place): new, changed or
    unchanged. Counted in the governance load like a member's vote."""
    round_id = session.scalar(select(RoundRow.id).where(RoundRow.decision_id == decision.id, RoundRow.number == decision.round_number))
    if round_id is None:
        raise ValueError(f"decision {decision.id} has no round {decision.round_number}")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = cast(Table, PartyVoteRow.__table__)
    # An insert that gives way to a concurrent one (a lead's double click), then a change only where it differs.
    inserted = session.connection().execute(dialect.insert(table).values(
        round_id=round_id, partner=vote.partner, level=vote.level.value, concern=vote.concern, cast_by=vote.cast_by, cast_at=now,
    ).on_conflict_do_nothing(index_elements=["round_id", "partner"]).returning(table.c.id)).scalar()
    if inserted is not None:
        result = VoteResult.NEW
    else:
        changed = session.connection().execute(update(table).where(
            table.c.round_id == round_id, table.c.partner == vote.partner,
            (table.c.level != vote.level.value) | table.c.concern.is_distinct_from(vote.concern) | (table.c.cast_by != vote.cast_by),
        ).values(level=vote.level.value, concern=vote.concern, cast_by=vote.cast_by, cast_at=now))
        if not changed.rowcount:
            return VoteResult.UNCHANGED
        result = VoteResult.CHANGED
    _bump(session, decision.id, votes=int(result is VoteResult.NEW), vote_changes=int(result is VoteResult.CHANGED), concerns=int(bool(vote.concern)))
    return result


def close_decision(session: Session, decision_id: int, outcome: Outcome, now: datetime) -> bool:
    """Close an open decision with its outcome; False when it was already closed."""
    result = session.execute(update(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.status == DecisionStatus.OPEN)
                             .values(status=DecisionStatus.CLOSED, outcome=outcome.value, closed_at=now))
    if result.rowcount:  # type: ignore[attr-defined]
        session.execute(update(RoundRow).where(RoundRow.decision_id == decision_id, RoundRow.ended_at.is_(None)).values(ended_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def start_round(session: Session, decision_id: int, proposal: str, now: datetime) -> int | None:
    """Reopen a decision that ended without consensus (or, in a body, without a quorum: `Decision.revisable` says which
    may) with a revised proposal; returns the new round's number, or None when it was not (or no longer) so closed."""
    reopened = session.execute(update(DecisionRow).where(
        DecisionRow.id == decision_id, DecisionRow.status == DecisionStatus.CLOSED,
        DecisionRow.outcome.in_([Outcome.NO_CONSENSUS.value, Outcome.NO_DECISION.value]),
    ).values(status=DecisionStatus.OPEN, outcome=None, closed_at=None))
    if not reopened.rowcount:  # type: ignore[attr-defined]
        return None
    number = next_round(session, decision_id, proposal, now)
    _bump(session, decision_id, revisions=1)
    return number


def next_round(session: Session, decision_id: int, proposal: str | None, now: datetime) -> int:
    """End the decision's last round and add the next, on `proposal` (None: the last round's, as when a dispute goes up
    to the next body); the new round's number. The caller has reopened the decision."""
    last = session.scalar(select(RoundRow).where(RoundRow.decision_id == decision_id).order_by(RoundRow.number.desc()).limit(1))
    decision = session.get(DecisionRow, decision_id)
    if last is None or decision is None:
        raise ValueError(f"decision {decision_id} is gone or has no rounds")
    if last.ended_at is None:
        last.ended_at = now
    _add_round(session, decision, last.number + 1, last.proposal if proposal is None else proposal, now)
    session.flush()
    return last.number + 1


def channel_decisions(session: Session, installation_id: int, channel_id: str, *, open_ones: bool, limit: int = 20) -> list[Decision]:
    """The channel's open decisions (oldest first) or decided ones (newest first)."""
    query = select(DecisionRow.id).where(DecisionRow.installation_id == installation_id, DecisionRow.channel_id == channel_id,
                                         DecisionRow.status == (DecisionStatus.OPEN if open_ones else DecisionStatus.CLOSED))
    query = query.order_by(DecisionRow.id if open_ones else DecisionRow.closed_at.desc()).limit(limit)
    return load_decisions(session, installation_id, list(session.scalars(query)))


def decided_since(session: Session, installation_id: int, channel_id: str, since: datetime) -> list[Decision]:
    """The channel's decisions closed since `since` (oldest first): the governance load's window."""
    query = select(DecisionRow.id).where(DecisionRow.installation_id == installation_id, DecisionRow.channel_id == channel_id,
                                         DecisionRow.status == DecisionStatus.CLOSED, DecisionRow.closed_at >= since).order_by(DecisionRow.closed_at)
    return load_decisions(session, installation_id, list(session.scalars(query)))


def decisions_to_catch_up(session: Session, closed_since: datetime) -> list[tuple[int, int]]:
    """(installation, decision) of every decision with a message that may still change or have
    changed lately: the open ones and those closed since `closed_since`."""
    query = (select(DecisionRow.installation_id, DecisionRow.id)
             .where(DecisionRow.message_ts.is_not(None), or_(DecisionRow.status == DecisionStatus.OPEN, DecisionRow.closed_at >= closed_since))
             .order_by(DecisionRow.id))
    return [(installation_id, decision_id) for installation_id, decision_id in session.execute(query)]


def record_assumptions(session: Session, decision_id: int, assumptions: Sequence[str], review_at: datetime | None) -> None:
    """Keep the assumptions a decision rests on, and when to review them."""
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(assumptions=list(assumptions), review_at=review_at))


def decision_history(session: Session, installation_id: int, channel_id: str | None = None) -> list[tuple[Decision, list[RoundRecord]]]:
    """Every decision of the installation (oldest first; optionally one channel's) with all its rounds' votes."""
    query = select(DecisionRow).where(DecisionRow.installation_id == installation_id).order_by(DecisionRow.id)
    if channel_id:
        query = query.where(DecisionRow.channel_id == channel_id)
    out: list[tuple[Decision, list[RoundRecord]]] = []
    for row in session.scalars(query):
        decision = load_decision(session, row.installation_id, row.id)
        if decision is None:
            continue
        rounds = []
        for round_row in session.scalars(select(RoundRow).where(RoundRow.decision_id == row.id).order_by(RoundRow.number)):
            votes = anonymous_votes(session, round_row.id) if row.anonymous else tuple(
                Vote(v.voter_id, v.partner, Level(v.level), v.concern)
                for v in session.scalars(select(VoteRow).where(VoteRow.round_id == round_row.id).order_by(VoteRow.voter_id)))
            party = tuple(PartyVote(pv.partner, Level(pv.level), pv.cast_by, pv.concern) for pv in session.scalars(
                select(PartyVoteRow).where(PartyVoteRow.round_id == round_row.id).order_by(PartyVoteRow.id)))
            rounds.append(RoundRecord(RoundSpan(round_row.number, round_row.started_at, round_row.ended_at), round_row.proposal, votes, party))
        out.append((decision, rounds))
    return out


def _party_awaits(decision: Decision, user_id: str) -> bool:
    """A party's lead who gave their own position still owes the party's vote."""
    partner = decision.body.partner_of(user_id) if decision.by_party and decision.body else None
    return partner is not None and decision.body is not None and decision.body.lead_of(partner) == user_id \
        and decision.party_vote(partner) is None


def awaiting_vote(session: Session, installation_id: int, user_id: str, limit: int = 30) -> list[Decision]:
    """Open decisions where `user_id` decides and has not voted in the current round, soonest deadline first."""
    query = select(DecisionRow).where(DecisionRow.installation_id == installation_id, DecisionRow.status == DecisionStatus.OPEN).order_by(DecisionRow.id)
    mine = [row.id for row in session.scalars(query) if any(str(u) == user_id for u, _ in row.deciders)]
    waiting = [d for d in load_decisions(session, installation_id, mine) if user_id not in d.voted_ids or _party_awaits(d, user_id)]
    return sorted(waiting, key=lambda d: (d.deadline is None, d.deadline.timestamp() if d.deadline else 0.0, d.id))[:limit]
