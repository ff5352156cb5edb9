// Reads iCalendar files the way node-ical does: each line of stdin is a JSON list of their texts, answered by a line
// of stdout, a JSON list with, for each, {uid: [[startUTC, endUTC], ...]}: every occurrence of every series,
// cancelled instances left out. Used by tests/views/calendar_readers.py, which runs it with TZ=UTC: node-ical reads
// a DATE as midnight on the process' clock.
//
// Expanded as node-ical's README tells clients to: parseICS, then expandRecurringEvent over a window, which is
// rrule.between plus the overrides in `recurrences` and the exclusions in `exdate`, both keyed by the instance's
// ISO instant (node-ical.js). It takes no RDATE: the parser keeps no RDATE at all.
import readline from "node:readline";
import ical from "node-ical";

const FROM = new Date("1999-01-01T00:00:00Z");
const TO = new Date("2040-01-01T00:00:00Z");

function read(text) {
  const found = {};
  const cancelled = (event) => String(event.status || "").toUpperCase() === "CANCELLED";
  for (const event of Object.values(ical.sync.parseICS(text))) {
    if (event.type !== "VEVENT") continue;
    const spans = [];
    for (const instance of ical.expandRecurringEvent(event, { from: FROM, to: TO })) {
      if (cancelled(instance.event)) continue;
      spans.push([instance.start.toISOString(), instance.end.toISOString()]);
    }
    found[event.uid] = spans.sort();
  }
  return found;
}

// With --transitions: stdin is a JSON list of [zone, fromSeconds, toSeconds], stdout for each the UTC offsets node's
// own tz data (ICU's, through Intl, which node-ical resolves a known TZID with) gives there: [[seconds, offset], ...],
// the offset at `from` and then each change, found day by day and narrowed to the second.
function offset(format, seconds) {
  const name = format.formatToParts(new Date(seconds * 1000)).find((part) => part.type === "timeZoneName").value;
  const [, sign, hours, minutes = "0", rest = "0"] = /^GMT(?:([+-])(\d+)(?::(\d+))?(?::(\d+))?)?$/.exec(name) || [];
  if (hours === undefined) return 0;
  return (sign === "-" ? -1 : 1) * (Number(hours) * 3600 + Number(minutes) * 60 + Number(rest));
}

function transitions([zone, from, to]) {
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  const found = [[from, offset(format, from)]];
  for (let low = from; low < to; low += 86400) {
    const high = Math.min(low + 86400, to);
    if (offset(format, high) === offset(format, low)) continue;
    let [a, b] = [low, high];
    while (b - a > 1) {
      const middle = Math.floor((a + b) / 2);
      if (offset(format, middle) === offset(format, a)) a = middle;
      else b = middle;
    }
    found.push([b, offset(format, b)]);
  }
  return found;
}

// One request a line, one answer a line: the test process keeps this reader running between its readings.
const answer = process.argv[2] === "--transitions" ? transitions : read;
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  process.stdout.write(JSON.stringify(JSON.parse(line).map(answer)) + "\n");
}
