"""Messages and modals for `/alliance`: the channel's partner companies and who speaks for which."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.alliance import MAX_PARTNERS, Alliance, Member, MemberMapping, Roster, TeamSeen
from bot.domain.reach import Readiness
from bot.views import blocks as bk
from bot.views.ids import Action, Block, Callback, Command, partner_block
from bot.views.metadata import ChannelRef

Message = tuple[str, list[dict[str, Any]]]
ECHO_MAX = 2500  # characters of what the person asked, shown back

HELP = (
    f"*{Command.ALLIANCE}* sets up this channel's alliance: its name, the partner companies and how each "
    "member maps to a partner (by their Slack organisation in a Slack Connect channel, or by a list).\n"
    f"• `{Command.ALLIANCE}` — show the alliance set up for this channel\n"
    f"• `{Command.ALLIANCE} setup` — name the alliance and its partners (opens a form)\n"
    f"• `{Command.ALLIANCE} zone Europe/Zurich` — the alliance's time zone: milestone nudges, digests and "
    "assumption reviews are at 09:00 there (UTC until set)\n"
    f"• `{Command.ALLIANCE} panel` — pin (or bring up to date) the panel: a button for everything the commands do, "
    "usable by everyone in the channel, including partner companies that have not installed the app\n"
        f"• `{Command.ALLIANCE} help` — this help"
)
MAPPING_LABELS = {
    MemberMapping.SLACK_TEAM: "By Slack organisation (Slack Connect)",
    MemberMapping.CONFIGURED: "By the member lists below",
}


def help_message() -> Message:
    """What /alliance does and how to use it."""
    return "How to use /alliance", [bk.section(HELP)]


def zone_message(note: str) -> Message:
    """A one-line private answer (`/alliance zone`, `/alliance panel`)."""
    return note, [bk.section(note)]


def problem_message(problem: str) -> Message:
    """A short ephemeral answer to input that could not be used, with the way forward."""
    return problem, [bk.section(f":warning: {problem}"), bk.context(f"Try `{Command.ALLIANCE} help`.")]


def team_label(team_id: str | None, names: dict[str, str]) -> str:
    """How a Slack team is shown: its name when known, else its id."""
    if not team_id:
        return "no Slack organisation"
    return names.get(team_id) or team_id


def setup_button(ref: ChannelRef, label: str) -> dict[str, Any]:
    """Opens the setup form for the channel: the way for people who cannot run `/alliance setup`
    (a partner company's, which has not installed the app)."""
    return {"type": "actions", "block_id": Block.ALLIANCE_BUTTONS, "elements": [
        {"type": "button", "action_id": Action.ALLIANCE_EDIT, "text": bk.plain(label, 75), "value": ref.encode()}]}


def not_set_up_message(ref: ChannelRef) -> Message:
    """`/alliance` in a channel without one."""
    text = ("This channel has no alliance set up yet. In a Slack Connect channel the first decision sets one up, with a partner "
            f"for each organisation here; set it up now (or with `{Command.ALLIANCE} setup`) to name the partners yourself.")
    return "No alliance set up yet", [bk.section(text), setup_button(ref, "Set up the alliance")]


def setup_needed_message(ref: ChannelRef, why: str, typed: str | None = None) -> Message:
    """Shown privately when something needs the alliance and the channel implies none (everyone is from one organisation)."""
    out = [bk.section(f":warning: Set up this channel's alliance first, {why}. Everyone here is from one Slack organisation, "
                      "so I cannot tell who speaks for which partner company.")]
    if typed and typed.strip():
        again = bk.escape(typed.strip()).replace("```", "'''")[:ECHO_MAX]  # a fence would end the block
        out.append(bk.section(f"What you asked, to use again once it is set up:\n```{again}```"))
    out += [setup_button(ref, "Set up the alliance"), bk.context(f"Or run `{Command.ALLIANCE} setup`.")]
    return "Set up this channel's alliance first", out


def mapped_message(ref: ChannelRef, alliance: Alliance, roster: Roster) -> Message:
    """Posted once in a Slack Connect channel whose alliance was set up from its organisations, without a form:
    who speaks for which partner, by name rather than by mention (nobody is notified)."""
    out = [bk.section(f":handshake: This channel is shared by {len(alliance.partners)} Slack organisations, so I have set up its "
                      "alliance with a partner for each: votes and the rest are counted per partner, each person for their own organisation.")]
    for partner, members in roster.by_partner:
        out.append(bk.section(f"*{bk.escape(partner.name)}* — {_people(members)}"))
    if roster.unmapped:
        out.append(bk.section(f"*Not mapped to a partner* — {_people(roster.unmapped)}"))
    out += [setup_button(ref, "Edit the alliance"),
            bk.context(f"Anyone here can rename the partners or change who speaks for which, with this button or `{Command.ALLIANCE} setup`.")]
    return f"This channel's alliance: {alliance.name}", out


def _people(members: Sequence[Member], shown: int = 10) -> str:
    names = ", ".join(bk.escape(m.name[:80]) for m in members[:shown])
    more = f" and {len(members) - shown} more" if len(members) > shown else ""
    return f"{len(members)} {'person' if len(members) == 1 else 'people'}" + (f": {names}{more}" if members else "")


def summary_message(alliance: Alliance, roster: Roster, team_names: dict[str, str], ready: Mapping[str, Readiness] | None = None) -> Message:
    """The channel's alliance setup, as its members see it; with `ready`, the readiness check per partner."""
    out: list[dict[str, Any]] = [bk.header(alliance.name), bk.context(f"Members map to partners {MAPPING_LABELS[alliance.mapping].lower()}.")]
    for partner, members in roster.by_partner:
        org = f" · {bk.escape(team_label(partner.slack_team_id, team_names))}" if partner.slack_team_id else ""
        ids = [m.user_id for m in members]
        holidays = f" · public holidays: {partner.country}" if partner.country else ""
        out.append(bk.section(f"*{bk.escape(partner.name)}*{org}{holidays} — {len(ids)} member{'s' if len(ids) != 1 else ''}\n"
                              f"{bk.mention_list(ids)}"))
        if ready is not None and partner.name in ready:
            out.append(bk.context(readiness_line(ready[partner.name])))
    if roster.unmapped:
        ids = [m.user_id for m in roster.unmapped]
        out.append(bk.section(f"*Not mapped to a partner* — {len(ids)}\n{bk.mention_list(ids)}\n"
                              f"Their votes will not count for either partner until you add them in `{Command.ALLIANCE} setup`."))
    out.extend(_missing_tz_note(m for _, group in roster.by_partner for m in group))
    if ready is not None:
        out.append(bk.context("People with post-only access to this channel cannot use apps at all, and Slack does not tell "
                              "apps who they are: if someone cannot click the buttons, that may be why."))
    return f"Alliance: {alliance.name}", out


def readiness_line(ready: Readiness) -> str:
    """One partner's readiness: how they use the bot, and how private messages reach them."""
    how = (":white_check_mark: Their organisation installed Alliance Bot: commands, shortcuts and App Home work for them."
           if ready.app_installed else
           ":large_orange_diamond: Their organisation has not installed Alliance Bot: they use the pinned panel and the buttons "
           "(Slack offers them no slash commands, shortcuts or App Home).")
    return (f"{how} Private messages: {ready.dm_works} by DM · {ready.dm_refused} in this channel, where Slack refuses "
            f"DMs to them · {ready.not_tried} not sent any yet.")


def _missing_tz_note(members: Any) -> list[dict[str, Any]]:
    missing = [m.user_id for m in members if not m.tz]
    if not missing:
        return []
    return [bk.context(f":clock3: No time zone in Slack for {bk.mention_list(missing, 10)}: their reminders and dates use the zone "
                       "they gave in `/meeting prefs`, else the alliance's (UTC if it has none), until they set one in their Slack profile.")]


def saved_message(alliance: Alliance, roster: Roster, team_names: dict[str, str], by_user: str) -> Message:
    """Posted in the channel when someone saves the setup, so every partner sees it."""
    text, blocks = summary_message(alliance, roster, team_names)
    return text, [*blocks, setup_button(ChannelRef(alliance.channel_id), "Edit the alliance"),
                  bk.context(f"Set up by <@{by_user}>. Change it with the button or `{Command.ALLIANCE} setup`.")]


def loading_modal(ref: ChannelRef) -> dict[str, Any]:
    """Opened at once (trigger ids expire in 3 s) while the channel's members are looked up."""
    return bk.modal(Callback.ALLIANCE_LOADING, "Alliance setup",
                    [bk.section(":hourglass_flowing_sand: Looking up this channel's members and their organisations…")],
                    close="Close", private_metadata=ref.encode())


def problem_modal(ref: ChannelRef, problem: str) -> dict[str, Any]:
    """Replaces the loading modal when the form cannot be offered."""
    return bk.modal(Callback.ALLIANCE_LOADING, "Alliance setup", [bk.section(f":warning: {problem}")], close="Close",
                    private_metadata=ref.encode())


def setup_modal(ref: ChannelRef, current: Alliance | None, teams: Sequence[TeamSeen], members: Sequence[Member]) -> dict[str, Any]:
    """The setup form, prefilled with the current setup or with the Slack Connect teams seen."""
    names = {t.team_id: t.name for t in teams if t.name}
    team_options = [bk.option(f"{team_label(t.team_id, names)} ({t.member_count} here)", t.team_id) for t in teams]
    mapping = current.mapping if current else (MemberMapping.SLACK_TEAM if len(teams) > 1 else MemberMapping.CONFIGURED)
    partners = list(current.partners) if current else []
    out: list[dict[str, Any]] = [
        bk.text_input(Block.ALLIANCE_NAME, Action.ALLIANCE_NAME, "Alliance name", initial=current.name if current else "",
                      max_length=150, placeholder="e.g. Acme–Globex oncology alliance"),
        bk.radio_input(Block.ALLIANCE_MAPPING, Action.ALLIANCE_MAPPING, "How members map to partners",
                       [bk.option(label, value) for value, label in MAPPING_LABELS.items()], mapping),
    ]
    if len(teams) > 1:
        out.append(bk.context(f"{len(teams)} Slack organisations are in this channel: each partner can be one of them."))
    for number in range(1, MAX_PARTNERS + 1):
        partner = partners[number - 1] if number <= len(partners) else None
        suggested = teams[number - 1] if not current and number <= len(teams) else None
        out.append(bk.divider())
        out.append(bk.text_input(partner_block(number, "name"), Action.PARTNER_NAME, f"Partner {number} name",
                                 initial=partner.name if partner else (suggested.name or "") if suggested else "",
                                 optional=number > 2, max_length=100))
        if team_options:
            initial_team = partner.slack_team_id if partner else (suggested.team_id if suggested else None)
            out.append(bk.select_input(partner_block(number, "team"), Action.PARTNER_TEAM, f"Partner {number} Slack organisation",
                                       team_options, initial_value=initial_team, optional=True))
        out.append(bk.users_input(partner_block(number, "members"), Action.PARTNER_MEMBERS, f"Partner {number} members",
                                  initial=partner.member_ids if partner else ()))
        out.append(bk.text_input(partner_block(number, "country"), Action.PARTNER_COUNTRY, f"Partner {number} country (public holidays)",
                                 initial=partner.country or "" if partner else "", optional=True, max_length=2,
                                 placeholder="ISO code: US, DE, JP, CH…"))
    out.extend(_missing_tz_note(members))
    return bk.modal(Callback.ALLIANCE_SETUP, "Alliance setup", out, submit="Save", private_metadata=ref.encode())


def field_block(field: str) -> str:
    """The block_id where a domain field error is shown."""
    return Block.ALLIANCE_NAME.value if field == "name" else field


def handed_over_message(gone: str, carrying_on: str, reposted: int) -> Message:
    """Posted in a shared channel when the installation its alliance lived under was removed and the partner's
    installation took it over."""
    again = (f" What was waiting here ({reposted} open decision{'s' if reposted != 1 else ''} or meeting "
             f"proposal{'s' if reposted != 1 else ''}) is posted again: the earlier messages no longer take clicks." if reposted else "")
    text = (f":arrows_counterclockwise: {gone or 'One organisation'} removed Alliance Bot from their Slack. It carries on in this "
            f"channel through {carrying_on or 'the other organisation'}'s installation, with every decision, action item, "
            f"meeting and milestone as before.{again}")
    return text, [bk.section(bk.escape(text))]


def feed_message(shared_url: str, my_url: str, *, reset: str = "") -> Message:
    """`/alliance feed`: the two private calendar addresses, and how to subscribe."""
    done = {"reset": "This alliance's calendar address is new; the old one no longer works.\n",
            "reset mine": "Your calendar address is new; the old one no longer works.\n"}.get(reset, "")
    text = (f"{done}*Calendar feeds* — subscribe once, and meetings (with every move and cancellation), milestones, payments "
            f"and due dates stay current in your calendar.\n"
            f"• This alliance's: <{shared_url}>\n• Yours (your meetings and due dates in every alliance): <{my_url}>\n"
            "Outlook: *Add calendar → Subscribe from web*; Google Calendar: *Other calendars → From URL*; Apple Calendar: "
            "*File → New Calendar Subscription*. Keep the addresses private: anyone who has one can read that calendar. "
            "`/alliance feed reset` (or `reset mine`) replaces an address.")
    return "Calendar feeds", [bk.section(text)]


def feed_unavailable_message() -> Message:
    """`/alliance feed` where the deployment has no public address for feeds."""
    text = ("Calendar feeds are not switched on here: the bot's operator sets `ALLIANCEBOT_PUBLIC_URL` to the address "
            "calendars reach the bot at (see the README).")
    return text, [bk.section(text)]
