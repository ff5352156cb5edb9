"""A channel's alliance: partner companies and which partner each member speaks for."""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.errors import FormErrors, UserError

MAX_PARTNERS = 4
NAME_MAX = 150
PARTNER_NAME_MAX = 100


class MemberMapping(StrEnum):
    """How a channel member is attributed to a partner company."""

    SLACK_TEAM = "slack_team"  # by the member's home Slack team (Slack Connect channels)
    CONFIGURED = "configured"  # by explicit member lists (one shared workspace, guests...)


@dataclass(frozen=True)
class Member:
    """A person in a channel as Slack describes them: home team and time zone."""

    user_id: str
    team_id: str
    name: str
    tz: str | None = None
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False  # a workspace admin or owner
    email: str | None = None  # only with users:read.email, and only if the person's org shares it
    enterprise_id: str | None = None  # the Enterprise Grid organisation, whose workspaces are one company
    enterprise_name: str | None = None  # its name, as users.info gives it (`enterprise_user.enterprise_name`)


@dataclass(frozen=True)
class Partner:
    """One partner company; members come from its Slack team and/or its explicit list."""

    name: str
    slack_team_id: str | None = None
    member_ids: tuple[str, ...] = ()
    country: str | None = None  # ISO 3166-1 alpha-2, for its public holidays in business-day clocks


@dataclass(frozen=True)
class Alliance:
    """The partnership a channel is for."""

    channel_id: str
    name: str
    mapping: MemberMapping
    partners: tuple[Partner, ...]
    time_zone: str = "UTC"  # where alliance-wide times (reviews, digests) are read


@dataclass(frozen=True)
class TeamSeen:
    """A Slack organisation found among a channel's members, offered as a partner's: an Enterprise Grid
    organisation (`E…`) for people in one, else a workspace (`T…`)."""

    team_id: str
    member_count: int
    name: str | None = None


@dataclass(frozen=True)
class PartnerDraft:
    """One partner row of the setup form as the person filled it in."""

    name: str = ""
    slack_team_id: str | None = None
    member_ids: tuple[str, ...] = ()
    country: str = ""


@dataclass(frozen=True)
class Roster:
    """Members grouped by partner, plus those no partner claims."""

    by_partner: tuple[tuple[Partner, tuple[Member, ...]], ...]
    unmapped: tuple[Member, ...] = field(default=())


def require_bot_in_channel(members: Iterable[Member], bot_user_id: str) -> None:
    """The bot must be a member to post the alliance's messages there; say how to fix it."""
    if bot_user_id and all(m.user_id != bot_user_id for m in members):
        raise UserError("I am not a member of this channel yet. Invite me with `/invite @Alliance Bot`, then run `/alliance setup` again.")


def people(members: Iterable[Member]) -> list[Member]:
    """The humans among channel members (bots and deactivated accounts do not take part)."""
    return [m for m in members if not m.is_bot and not m.deleted]


def organisation_of(member: Member) -> str:
    """The Slack organisation a person belongs to: their Enterprise Grid organisation, which may span several
    workspaces of one company, else their workspace."""
    return member.enterprise_id or member.team_id


def teams_seen(members: Iterable[Member], names: dict[str, str] | None = None) -> list[TeamSeen]:
    """The Slack organisations of the channel's people, largest first."""
    counts = Counter(organisation_of(m) for m in people(members) if organisation_of(m))
    names = names or {}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [TeamSeen(team_id, count, names.get(team_id)) for team_id, count in ordered]


def organisation_names(members: Iterable[Member]) -> dict[str, str]:
    """Names of the Enterprise Grid organisations among the members, as Slack gives them with each person
    (team.info names workspaces, not another company's Grid organisation)."""
    return {m.enterprise_id: m.enterprise_name for m in members if m.enterprise_id and m.enterprise_name}


def partner_of(alliance: Alliance, member: Member) -> Partner | None:
    """The partner `member` speaks for: an explicit list wins, then (if so mapped) their Slack team."""
    for partner in alliance.partners:
        if member.user_id in partner.member_ids:
            return partner
    if alliance.mapping is MemberMapping.SLACK_TEAM:
        # A partner's organisation may be a workspace or (Enterprise Grid) the organisation it belongs to.
        for partner in alliance.partners:
            if partner.slack_team_id and partner.slack_team_id in (member.team_id, member.enterprise_id):
                return partner
    return None


def partner_organisations(members: Iterable[Member], host: str | None = None) -> list[TeamSeen]:
    """The organisations a Slack Connect channel's partners are, at most MAX_PARTNERS: the host's (the
    workspace that installed the app) first when its people are there, then the largest."""
    seen = teams_seen(members)
    return sorted(seen, key=lambda team: team.team_id != host)[:MAX_PARTNERS]


def implied_alliance(channel_id: str, members: Iterable[Member], names: Mapping[str, str], host: str | None = None) -> Alliance | None:
    """The alliance a channel's people imply when nobody has set one up: one partner per Slack organisation
    (`partner_organisations`), each person speaking for their own, named by `names` (Slack's names of the
    organisations) or else "Partner <n>" until someone renames it. None when everyone comes from one
    organisation: then who speaks for which partner cannot be known and must be set up by hand."""
    found = partner_organisations(members, host)
    if len(found) < 2:
        return None
    partners: list[Partner] = []
    for number, team in enumerate(found, start=1):
        name = " ".join((names.get(team.team_id) or "").split())[:PARTNER_NAME_MAX].rstrip() or f"Partner {number}"
        partners.append(Partner(_unique(name, {p.name.casefold() for p in partners}, number), team.team_id))
    title = " – ".join(p.name for p in partners)
    return Alliance(channel_id, title if len(title) <= NAME_MAX else title[:NAME_MAX - 1] + "…", MemberMapping.SLACK_TEAM, tuple(partners))


def _unique(name: str, taken: set[str], number: int) -> str:
    """`name`, or with the partner's number after it when an earlier partner has it (two organisations
    Slack calls the same); at most three names are taken, so one of the first four candidates is free."""
    candidate, extra = name, 0
    while candidate.casefold() in taken:
        extra += 1
        suffix = f" ({number})" if extra == 1 else f" ({number}.{extra})"
        candidate = name[:PARTNER_NAME_MAX - len(suffix)].rstrip() + suffix
    return candidate


def roster(alliance: Alliance, members: Iterable[Member]) -> Roster:
    """Group the channel's people by partner."""
    groups: dict[str, list[Member]] = {p.name: [] for p in alliance.partners}
    unmapped: list[Member] = []
    for member in people(members):
        partner = partner_of(alliance, member)
        if partner is None:
            unmapped.append(member)
        else:
            groups[partner.name].append(member)
    return Roster(tuple((p, tuple(groups[p.name])) for p in alliance.partners), tuple(unmapped))


def build_alliance(channel_id: str, name: str, mapping: MemberMapping, drafts: Sequence[PartnerDraft],
                   countries: Collection[str] | None = None) -> Alliance:
    """Check a filled-in setup form and turn it into an Alliance, or raise FormErrors by field.

    Field keys are `name` and `partner_<n>_name|team|members|country` (n from 1); `countries` are the ISO codes whose
    public holidays the deployment knows (None: any two letters).
    """
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Give the alliance a name, e.g. “Acme–Globex oncology”."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name under {NAME_MAX} characters."

    partners: list[Partner] = []
    seen_names: dict[str, int] = {}
    seen_teams: dict[str, int] = {}
    seen_members: dict[str, int] = {}
    for number, draft in enumerate(drafts[:MAX_PARTNERS], start=1):
        partner_name = draft.name.strip()
        filled = bool(draft.slack_team_id or draft.member_ids)
        if not partner_name:
            if filled:
                errors[f"partner_{number}_name"] = "Give this partner a name, or clear its organisation and members."
            continue
        if len(partner_name) > PARTNER_NAME_MAX:
            errors[f"partner_{number}_name"] = f"Keep partner names under {PARTNER_NAME_MAX} characters."
        folded = partner_name.casefold()
        if folded in seen_names:
            errors[f"partner_{number}_name"] = f"Partner {seen_names[folded]} already has this name."
        seen_names.setdefault(folded, number)
        if draft.slack_team_id:
            if draft.slack_team_id in seen_teams:
                errors[f"partner_{number}_team"] = f"Partner {seen_teams[draft.slack_team_id]} already uses this Slack organisation."
            seen_teams.setdefault(draft.slack_team_id, number)
        for user_id in draft.member_ids:
            if user_id in seen_members and seen_members[user_id] != number:
                errors[f"partner_{number}_members"] = f"<@{user_id}> is already listed under partner {seen_members[user_id]}."
            seen_members.setdefault(user_id, number)
        if mapping is MemberMapping.SLACK_TEAM and not draft.slack_team_id:
            errors[f"partner_{number}_team"] = "Pick this partner's Slack organisation (or map members by list instead)."
        if mapping is MemberMapping.CONFIGURED and not draft.member_ids:
            errors[f"partner_{number}_members"] = "List at least one member for this partner."
        country = draft.country.strip().upper() or None
        if country is not None and (len(country) != 2 or not country.isalpha() or (countries is not None and country not in countries)):
            errors[f"partner_{number}_country"] = ("Give the country whose public holidays this partner keeps as its two-letter ISO code, "
                                                    "e.g. US, DE, JP, CH (or leave it empty).")
        partners.append(Partner(partner_name, draft.slack_team_id or None, tuple(dict.fromkeys(draft.member_ids)), country))

    if len(partners) < 2 and not any(key.startswith("partner_") for key in errors):
        missing = "partner_1_name" if not partners else "partner_2_name"
        errors[missing] = "An alliance needs at least two partner companies."
    if errors:
        raise FormErrors(errors)
    return Alliance(channel_id, name, mapping, tuple(partners))
