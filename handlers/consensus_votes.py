"""Votes are stored in batches (group commit) and acked once their batch is committed.

A burst of clicks on one decision (300 people within a second) used to hold every listener thread
in its own write transaction, each loading the whole decision again; acks queued behind them and
took seconds. Acking first and storing after was fast but lost acknowledged votes when the bot
was killed in between (docs/reliability.md). Now a click is queued and its listener waits for one
drain thread, which stores everything queued so far in one transaction per decision, wakes the
waiting listeners (who ack), and asks once for the message to be refreshed. Refusals (closed
decision, not a decider, anonymous vote already cast) reach the person as an ephemeral answer, or
for a vote sent from the concern form, as an error shown in the form.

A vote not committed within `Services.vote_ack_wait` (2.5 s) is not acknowledged at all: Slack then tells the person it
did not go through (it may still be stored a moment later, and a second click changes nothing).
Acknowledging it anyway would tell Slack it was received when a crash could still lose it.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.domain.consensus import ANONYMOUS_FINAL, Decision, Level, Vote, check_can_vote
from bot.domain.errors import UserError
from bot.slack_edge.errors import error_handler
from bot.slack_edge.installation_context import bound_installation
from bot.slack_edge.payloads import Actor
from storage.decisions import cast_votes, close_decision, load_decision
from storage.dedupe import remember_event

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)
# One wording for a click and a concern form alike: in an anonymous decision, which of them it was
# would tell a reader of the log whether someone chose Support.
NOT_STORED = "a vote was not stored within %.1fs; not acknowledged"
# Short transactions: on SQLite every writer (e.g. the HTTP edge's replay check before an ack)
# queues on one lock, so a batch must not hold it long.
MAX_BATCH = 50


@dataclass(frozen=True)
class QueuedVote:
    """One click waiting to be stored, with what is needed to answer the person if it is refused."""

    installation_id: int
    decision_id: int
    actor: Actor
    level: Level
    concern: str | None
    body: dict[str, Any]
    respond: Callable[..., Any] | None
    stored: threading.Event = field(default_factory=threading.Event, compare=False)
    # From the concern form: a refusal is shown in the form (the listener reads it), not sent apart.
    in_form: bool = False
    # What identifies this delivery (middleware.delivery_key): recorded with the vote, so that a
    # redelivery of the same click or form changes nothing (see event_dedupe_middleware).
    delivery: str | None = None
    refusal: list[UserError] = field(default_factory=list, compare=False)


class VoteQueue:
    """Collects clicks; one drain thread stores them (bursts become few transactions).

    The drain runs on its own thread, not the listener executor: listeners wait for it, so it must
    never queue behind them. Its executor's thread is joined at interpreter exit, so a clean
    shutdown stores what was queued."""

    def __init__(self, services: Services, refresh: Callable[[Services, int, int, Decision | None], None]) -> None:
        self._services = services
        self._refresh = refresh
        self._answer = error_handler(services)
        self._lock = threading.Lock()
        self._queued: list[QueuedVote] = []
        self._draining = False
        self._drainer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="votes")

    def put(self, vote: QueuedVote) -> threading.Event:
        """Queue a click and start the drain if it is idle; the event is set once the vote is handled."""
        with self._lock:
            self._queued.append(vote)
            if self._draining:
                return vote.stored
            self._draining = True
        try:
            self._drainer.submit(self._drain)
        except RuntimeError:  # shutting down: store it here and now
            self._drain()
        return vote.stored

    def _drain(self) -> None:
        # Group commit: whatever queued while the last batch was being stored is the next batch.
        while True:
            with self._lock:
                batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
                if not batch:
                    self._draining = False
                    return
            try:
                self._store(batch)
            except Exception:
                logger.exception("storing a batch of %d votes failed; storing them one by one", len(batch))
                for vote in batch:
                    try:
                        self._store([vote])
                    except Exception as error:
                        if vote.in_form:
                            vote.refusal.append(error if isinstance(error, UserError) else UserError("Your vote could not be stored; please try again."))
                            vote.stored.set()
                            continue
                        vote.stored.set()
                        with bound_installation(vote.installation_id):
                            self._answer(error, vote.body, vote.respond)

    def _store(self, batch: list[QueuedVote]) -> None:
        refused: list[tuple[QueuedVote, UserError]] = []
        touched: dict[tuple[int, int], Decision] = {}
        services = self._services
        with services.db.write() as session:
            # In id order: two workers draining batches that touch the same decisions lock their rows
            # in the same order instead of deadlocking (PostgreSQL aborted one, and the batch was
            # then stored vote by vote, slowly, under the 50-user load benchmark).
            now = services.clock.now()
            fresh = [v for v in batch if v.delivery is None or remember_event(session, v.delivery, now)]
            for key in sorted(dict.fromkeys((v.installation_id, v.decision_id) for v in fresh)):
                decision = load_decision(session, *key)
                valid: list[tuple[QueuedVote, Vote]] = []
                for vote in (v for v in fresh if (v.installation_id, v.decision_id) == key):
                    try:
                        if decision is None:
                            raise UserError("I cannot find this decision any more.")
                        valid.append((vote, Vote(vote.actor.user_id, check_can_vote(decision, vote.actor.user_id), vote.level, vote.concern)))
                    except UserError as refusal:
                        refused.append((vote, refusal))
                if decision is None or not valid:
                    continue
                results = cast_votes(session, decision, [v for _, v in valid], services.clock.now())
                refused += [(queued, UserError(ANONYMOUS_FINAL)) for (queued, _), result in zip(valid, results) if result == "final"]
                touched[key] = decision
                voted = load_decision(session, *key) if key in touched and decision is not None and decision.auto_close else None
                if voted is not None and voted.status == "open" and voted.auto_close and voted.everyone_voted():
                    close_decision(session, voted.id, voted.closing_verdict().outcome, services.clock.now())
        for vote, reason in refused:
            if vote.in_form:
                vote.refusal.append(reason)
        for vote in batch:
            vote.stored.set()
        # One drain thread serves every workspace: bind each refresh and answer to its own (OAuth mode).
        for (installation_id, decision_id), decision in touched.items():
            with bound_installation(installation_id):
                self._refresh(services, installation_id, decision_id, decision)
        for vote, reason in refused:
            if vote.in_form:
                continue
            with bound_installation(vote.installation_id):
                self._answer(reason, vote.body, vote.respond)
