"""What disputes look like in Slack and in the export: times as date tokens, people's text escaped, every step shown."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.domain.consensus import Decision, DecisionStatus, Outcome, RoundSpan
from bot.domain.escalation import Dispute, DisputeStatus, Resolution, Step, StepKind
from bot.domain.governance import Body, BodyMember, Fallback, FallbackKind
from bot.views import escalation as views
from bot.views.consensus import decision_log
from bot.views.consensus_export import export_record, to_csv

T = datetime(2027, 4, 30, 8, 0, tzinfo=timezone.utc)
ENDS = datetime(2027, 5, 4, 22, 0, tzinfo=timezone.utc)
MEMBERS = (BodyMember("UMARIA", "Alpha", lead=True), BodyMember("UKENJI", "Beta", lead=True))
JDC = Body("JDC <core>", MEMBERS, window_days=2, escalates_to="JSC")
JSC = Body("JSC", MEMBERS, fallback=Fallback(FallbackKind.PARTY_DECIDES, "Alpha", ("budget",), "§4.3(b)"))


def decision(body: Body, outcome: Outcome = Outcome.NO_CONSENSUS) -> Decision:
    return Decision(7, "C1", "UMARIA", DecisionStatus.CLOSED, outcome, "1.0", "1.0", ("Alpha", "Beta"),
                    (("UMARIA", "Alpha"), ("UKENJI", "Beta")), 1, "Move <Phase 2> to Q3", (RoundSpan(1, T, T),), (), body=body,
                    closed_at=T)


def test_the_opening_names_the_window_end_as_a_date_token_and_what_follows() -> None:
    step = Step(StepKind.OPENED, JDC.name, 1, T, 2)
    _, blocks = views.opened_message(decision(JDC), Dispute(1, 7, JDC.name, DisputeStatus.OPEN, T, ENDS, (step,)), step)
    shown = str(blocks)
    assert f"<!date^{int(ENDS.timestamp())}^" in shown and "2 business days" in shown and "it goes to the *JSC*" in shown
    assert "JDC &lt;core&gt;" in shown and "<core>" not in shown  # a body's name is people's text
    assert "Revise proposal" in shown and "Kenji" not in shown
    quorum = str(views.opened_message(decision(JSC, Outcome.NO_DECISION), Dispute(1, 7, "JSC", DisputeStatus.OPEN, T, ENDS, (step,)), step)[1])
    assert "without a quorum" in quorum and "Revise" not in quorum and "*Alpha* has the deciding vote on budget (§4.3(b))" in quorum


def test_the_reminder_mentions_every_member_and_the_ask_mentions_the_next_bodys() -> None:
    dispute = Dispute(1, 7, "JSC", DisputeStatus.ESCALATED, ENDS, ENDS + timedelta(days=6))
    reminder = str(views.reminder_message(decision(JSC), dispute, JSC)[1])
    assert "<@UMARIA> <@UKENJI>" in reminder and "Move &lt;Phase 2&gt; to Q3" in reminder
    asked = str(views.escalated_message(decision(JSC), dispute, Step(StepKind.ESCALATED, "JSC", 2, ENDS, 2, "JDC"))[1])
    assert "goes to the JSC" in asked and "the JDC did not resolve it" in asked and "<@UMARIA>" in asked and "Round 2 follows" in asked


def test_the_log_and_the_export_show_the_path_and_every_step() -> None:
    steps = (Step(StepKind.OPENED, "JDC", 1, T, 2), Step(StepKind.ESCALATED, "JSC", 2, ENDS, 2, "JDC"),
             Step(StepKind.DEFAULTED, "JSC", 2, ENDS + timedelta(days=6), 5, "Alpha's vote decides under §4.3(b): Support, so the proposal is adopted"))
    dispute = Dispute(1, 7, "JSC", DisputeStatus.DEFAULTED, ENDS, ENDS + timedelta(days=6), steps, Resolution.ADOPTED)
    _, blocks = decision_log([decision(JSC)], {7: views.dispute_summary(dispute)})
    shown = str(blocks)
    assert "JDC → JSC: decided by the default" in shown and "opened in the JDC" in shown and "(2 business days)" in shown
    assert "escalated to the JSC" in shown and "Alpha's vote decides under §4.3(b)" in shown
    record = export_record(decision(JSC), [], dispute)
    assert record["dispute"]["bodies"] == ["JDC", "JSC"] and record["dispute"]["resolution"] == "adopted"
    assert [s["kind"] for s in record["dispute"]["steps"]] == ["opened", "escalated", "defaulted"]
    assert export_record(decision(JSC), [])["dispute"] is None
    record["rounds"] = [{"round": 1, "proposal": "p", "started_at": None, "ended_at": None, "voted": {"total": 0, "by_partner": {}},
                         "votes": None, "votes_by_partner": None, "concerns": None}]
    assert "JDC → JSC: defaulted (adopted) | opened JDC" in to_csv([record])
