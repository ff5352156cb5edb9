"""Time to post a fair meeting proposal for a large meeting, through the Slack double.

Run from the repository root:  .venv/bin/python -m benchmarks.meeting_proposal [--people 60] [--runs 3]
Starts `alliancebot run` (Socket Mode) on a fresh SQLite file with `people` members spread over
20 zones (odd offsets included), submits the `/meeting` form for all of them, and prints the time
from the submission until the proposal message is in the channel: a single meeting, and a weekly
series of 26 occurrences crossing the DST changes. The first run of each shape includes fetching
every profile with users.info; later runs find them cached. No minimal app plans a time-zone-fair
meeting, so there is no peer; the same-run baseline is the planning alone
(`bot.domain.meeting_plans.propose` in this process, after the bot has stopped, on the same
people, zones and form defaults, without a ledger). Both are compared in CPU seconds, which the
machine's load hardly changes (the bot's from /proc while it handles the submission): the ratio
says what the rest of the way costs on top of the planning (the form, users.info, the ledger,
rendering, storing, chat.postMessage). Printed with the machine's load average and the size of
the form submissions' envelopes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

from benchmarks.ack_latency import envelope_sizes
from benchmarks.startup import load_average, start_process, stop_process
from bot.domain.meeting_plans import propose
from bot.domain.meeting_requests import MeetingRequest
from bot.domain.meetings import DEFAULT_DURATION, Recurrence, WorkingHours
from tests.slack_double import Person, SlackDouble, SocketModeTransport

ZONES = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/St_Johns", "America/Sao_Paulo",
         "Europe/London", "Europe/Zurich", "Europe/Helsinki", "Asia/Jerusalem", "Asia/Tehran", "Asia/Dubai", "Asia/Kolkata",
         "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland",
         "Pacific/Chatham")
CHANNEL = "C0MEET"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_one(slack: SlackDouble, organizer: Person, people: list[str], title: str, count: int, pid: int) -> tuple[float, float]:
    """(wall, the bot's CPU) seconds from submitting the form until the proposal is posted."""
    organizer.run("/meeting", "propose", channel=CHANNEL)
    deadline = time.monotonic() + 30
    while not slack.open_views(organizer.user_id) and time.monotonic() < deadline:
        time.sleep(0.01)
    first = (date.today() + timedelta(days=20)).isoformat()
    values: dict[str, object] = {"Title": title, "Participants (leave empty for the channel's members)": people, "Earliest day": first}
    if count > 1:
        values.update({"Repeats": "Weekly", "Number of occurrences": str(count)})
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    organizer.submit_view(values)
    while time.monotonic() < deadline:
        if any(m.text == f"Meeting proposal: {title}" for m in slack.messages(CHANNEL)):
            return time.perf_counter() - started, cpu_seconds(pid) - cpu
        time.sleep(0.005)
    raise AssertionError(f"no proposal for {title} within 30 s")


def planning_alone(people: list[str], count: int) -> tuple[float, float]:
    """(wall, CPU) seconds the planner alone takes for what the form asks (default hours, a 00:00-24:00 window in the
    organizer's zone). The CPU time hardly depends on the machine's load; the wall time does."""
    hours = {user: WorkingHours(user, ZONES[index % len(ZONES)]) for index, user in enumerate(people)}
    first = date.today() + timedelta(days=20)
    request = MeetingRequest("Bench", tuple(people), DEFAULT_DURATION, first, clock_time(0), 24 * 60,
                             Recurrence.WEEKLY if count > 1 else Recurrence.NONE, count, zone=hours[people[0]].tz)
    started, cpu = time.perf_counter(), time.process_time()
    propose(request, hours, {}, people[0])
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    slack = SlackDouble(clock=time.monotonic)
    slack.start()
    people = [f"U{i:04d}" for i in range(args.people)]
    for index, user in enumerate(people):
        slack.add_user(user, slack.team_id, user.lower(), tz=ZONES[index % len(ZONES)])
    slack.add_channel(CHANNEL, "bench-meetings", members=[*people, slack.bot_user_id])
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}", flush=True)
    measured: dict[int, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        process, _ = start_process(slack, "socket", Path(workdir))
        try:
            organizer = Person(slack, SocketModeTransport(slack), people[0])
            for count in (1, 26):
                runs = measured[count] = [post_one(slack, organizer, people, f"Bench {count}x r{run}", count, process.pid)
                                          for run in range(args.runs)]
                times = [r[0] for r in runs]
                shape = "single meeting" if count == 1 else f"{count} weekly occurrences"
                print(f"{args.people} people in {min(args.people, len(ZONES))} zones, {shape}: first {times[0]:.2f} s, "
                      f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s over {args.runs} runs "
                      f"(the bot's CPU: median {statistics.median(r[1] for r in runs):.2f} s); {load_average()}", flush=True)
            submissions = [e for e in list(slack.socket.envelopes) if e["payload"].get("type") == "view_submission"]
            sizes = sorted(len(json.dumps(e)) for e in submissions)
            print(f"form submissions: {len(sizes)} envelopes of {sizes[0]}–{sizes[-1]} bytes; all envelopes: {envelope_sizes(slack)}")
        finally:
            stop_process(process)
            slack.stop()
    for count, bot_runs in measured.items():
        runs = [planning_alone(people, count) for _ in range(args.runs)]
        alone, cpu = [r[0] for r in runs], [r[1] for r in runs]
        bot_cpu = statistics.median(r[1] for r in bot_runs)
        print(f"planning alone, {count} occurrence(s): median {statistics.median(alone):.2f} s (CPU {statistics.median(cpu):.2f} s), "
              f"worst {max(alone):.2f} s; the bot's CPU for the whole proposal / the planning's CPU alone (medians) "
              f"{bot_cpu / statistics.median(cpu) if statistics.median(cpu) else float('nan'):.2f}; {load_average()}", flush=True)


if __name__ == "__main__":
    main()
