"""Every command, callback_id, block_id and action_id, spelled once for builders and listeners alike."""
from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands the app registers (the manifest declares the same set)."""

    ALLIANCE = "/alliance"
    CONSENSUS = "/consensus"
    MILESTONE = "/milestone"
    DIGEST = "/digest"


class Callback(StrEnum):
    """callback_id of modals and shortcuts."""

    ALLIANCE_SETUP = "alliance_setup"
    ALLIANCE_LOADING = "alliance_setup_loading"
    VOTE_CONCERN = "consensus_vote_concern"
    REVISE_PROPOSAL = "consensus_revise_proposal"
    START_DECISION = "consensus_start"
    RECORD_ASSUMPTIONS = "consensus_record_assumptions"
    MILESTONE_ADD = "milestone_add"
    MILESTONE_ACHIEVED = "milestone_achieved"
    MILESTONE_MOVE = "milestone_move"


class Block(StrEnum):
    """block_id values that listeners read back from view state."""

    ALLIANCE_NAME = "alliance_name"
    ALLIANCE_MAPPING = "alliance_mapping"
    CONCERN = "vote_concern"
    REVISED_PROPOSAL = "revised_proposal"
    PROPOSAL = "proposal"
    BACKGROUND = "background"
    PREREAD = "preread"
    DEADLINE = "deadline"
    DECIDERS = "deciders"
    AUTO_CLOSE = "auto_close"
    ASSUMPTIONS = "assumptions"
    REVIEW = "review"
    DECISION_ACTIONS = "decision_actions"
    MILESTONE_NAME = "milestone_name"
    MILESTONE_KIND = "milestone_kind"
    MILESTONE_DUE = "milestone_due"
    MILESTONE_PARTNER = "milestone_partner"
    MILESTONE_OWNER = "milestone_owner"
    MILESTONE_AMOUNT = "milestone_amount"
    MILESTONE_CURRENCY = "milestone_currency"
    MILESTONE_DIRECTION = "milestone_direction"
    MILESTONE_ACHIEVED_ON = "milestone_achieved_on"
    MILESTONE_PAYMENT_STATE = "milestone_payment_state"
    MILESTONE_NEW_DATE = "milestone_new_date"
    MILESTONE_REASON = "milestone_reason"
    MILESTONE_ACTIONS = "milestone_actions"


class Action(StrEnum):
    """action_id values."""

    ALLIANCE_NAME = "alliance_name_input"
    ALLIANCE_MAPPING = "alliance_mapping_choice"
    PARTNER_NAME = "partner_name_input"
    PARTNER_TEAM = "partner_team_select"
    PARTNER_MEMBERS = "partner_members_select"
    VOTE_SUPPORT = "consensus_vote_support"
    VOTE_ACCEPT = "consensus_vote_accept"
    VOTE_WONT_BLOCK = "consensus_vote_wont_block"
    VOTE_BLOCK = "consensus_vote_block"
    CLOSE_DECISION = "consensus_close"
    REVISE = "consensus_revise"
    NUDGE = "consensus_remind_non_voters"
    REVISED_PROPOSAL = "revised_proposal_input"
    PROPOSAL = "proposal_input"
    BACKGROUND = "background_input"
    PREREAD = "preread_input"
    DEADLINE = "deadline_input"
    DECIDERS = "deciders_input"
    AUTO_CLOSE = "auto_close_input"
    RECORD_ASSUMPTIONS = "consensus_assumptions"
    ASSUMPTIONS = "assumptions_input"
    REVIEW = "review_input"
    CONCERN = "vote_concern_input"
    MILESTONE_ACHIEVED = "milestone_achieved"
    MILESTONE_MOVE = "milestone_move"
    MILESTONE_SNOOZE = "milestone_snooze"
    MILESTONE_NAME = "milestone_name_input"
    MILESTONE_KIND = "milestone_kind_input"
    MILESTONE_DUE = "milestone_due_input"
    MILESTONE_PARTNER = "milestone_partner_input"
    MILESTONE_OWNER = "milestone_owner_input"
    MILESTONE_AMOUNT = "milestone_amount_input"
    MILESTONE_CURRENCY = "milestone_currency_input"
    MILESTONE_DIRECTION = "milestone_direction_input"
    MILESTONE_ACHIEVED_ON = "milestone_achieved_on_input"
    MILESTONE_PAYMENT_STATE = "milestone_payment_state_input"
    MILESTONE_NEW_DATE = "milestone_new_date_input"
    MILESTONE_REASON = "milestone_reason_input"


def partner_block(number: int, part: str) -> str:
    """block_id of one partner field: part is "name", "team" or "members"."""
    return f"partner_{number}_{part}"
