"""Every command, callback_id, block_id and action_id, spelled once for builders and listeners alike."""
from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands the app registers (the manifest declares the same set)."""

    ALLIANCE = "/alliance"
    CONSENSUS = "/consensus"
    MEETING = "/meeting"


class Callback(StrEnum):
    """callback_id of modals and shortcuts."""

    ALLIANCE_SETUP = "alliance_setup"
    ALLIANCE_LOADING = "alliance_setup_loading"
    VOTE_CONCERN = "consensus_vote_concern"
    REVISE_PROPOSAL = "consensus_revise_proposal"
    START_DECISION = "consensus_start"
    RECORD_ASSUMPTIONS = "consensus_record_assumptions"
    MEETING_PROPOSE = "meeting_propose"
    MEETING_PREFS = "meeting_prefs"
    MEETING_ADD = "meeting_add"


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
    MEETING_TITLE = "meeting_title"
    MEETING_PARTICIPANTS = "meeting_participants"
    MEETING_DURATION = "meeting_duration"
    MEETING_DAY = "meeting_day"
    MEETING_WINDOW_START = "meeting_window_start"
    MEETING_WINDOW_END = "meeting_window_end"
    MEETING_RECURRENCE = "meeting_recurrence"
    MEETING_COUNT = "meeting_count"
    MEETING_AGENDA = "meeting_agenda"
    MEETING_PREREADS = "meeting_prereads"
    MEETING_REMINDERS = "meeting_reminders"
    PREFS_START = "prefs_work_start"
    PREFS_END = "prefs_work_end"
    PREFS_DAYS = "prefs_workdays"
    PREFS_NEVER = "prefs_never"
    PREFS_ZONE = "prefs_zone"
    MEETING_TIME = "meeting_time"
    MEETING_ZONE = "meeting_zone"


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
    MEETING_WORKS = "meeting_slot_works"
    MEETING_FAILS = "meeting_slot_fails"
    MEETING_CONFIRM = "meeting_slot_confirm"
    MEETING_ADD_ACTION = "meeting_review_add_action"
    MEETING_START_DECISION = "meeting_review_start_decision"
    MEETING_FIELD = "meeting_field_input"


def partner_block(number: int, part: str) -> str:
    """block_id of one partner field: part is "name", "team" or "members"."""
    return f"partner_{number}_{part}"
