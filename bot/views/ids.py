"""Every command, callback_id, block_id and action_id, spelled once for builders and listeners alike."""
from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands the app registers (the manifest declares the same set)."""

    ALLIANCE = "/alliance"
    CONSENSUS = "/consensus"
    ACTION = "/action"


class Callback(StrEnum):
    """callback_id of modals and shortcuts."""

    ALLIANCE_SETUP = "alliance_setup"
    ALLIANCE_LOADING = "alliance_setup_loading"
    VOTE_CONCERN = "consensus_vote_concern"
    REVISE_PROPOSAL = "consensus_revise_proposal"
    START_DECISION = "consensus_start"
    RECORD_ASSUMPTIONS = "consensus_record_assumptions"
    NEW_ACTION_ITEM = "action_item_new"
    ACTION_SHORTCUT = "action_item_from_message"
    REASSIGN_ACTION = "action_item_reassign"


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
    VOTING = "voting"
    ACTION_TEXT = "action_text"
    ACTION_OWNERS = "action_owners"
    ACTION_DUE = "action_due"
    ACTION_NOTES = "action_notes"
    ACTION_BUTTONS = "action_buttons"


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
    VOTING = "voting_input"
    ACTION_DONE = "action_item_done"
    ACTION_DONE_HOME = "action_item_done_home"
    ACTION_SNOOZE_DAY = "action_item_snooze_1d"
    ACTION_SNOOZE_WEEK = "action_item_snooze_1w"
    ACTION_REASSIGN = "action_item_reassign_open"
    ACTION_TEXT = "action_text_input"
    ACTION_OWNERS = "action_owners_input"
    ACTION_DUE = "action_due_input"
    ACTION_NOTES = "action_notes_input"


def partner_block(number: int, part: str) -> str:
    """block_id of one partner field: part is "name", "team" or "members"."""
    return f"partner_{number}_{part}"
