// Reads iCalendar files the way ical.js (Thunderbird's parser) does: each line of stdin is a JSON list of their
// texts, answered by a line of stdout, a JSON list with, for each, {uid: [[startUTC, endUTC], ...]}: every
// occurrence of every series, overrides applied, cancelled instances left out. Used by tests/views/calendar_readers.py.
import readline from "node:readline";
import ICAL from "ical.js";

function read(text) {
const root = new ICAL.Component(ICAL.parse(text));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const masters = new Map();
const exceptions = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  if (vevent.hasProperty("recurrence-id")) exceptions.push(vevent);
  else masters.set(vevent.getFirstPropertyValue("uid"), vevent);
}
const cancelled = (component) => String(component.getFirstPropertyValue("status") || "").toUpperCase() === "CANCELLED";
const iso = (time) => time.toJSDate().toISOString();
const found = {};
for (const [uid, master] of masters) {
  const event = new ICAL.Event(master, { exceptions: exceptions.filter((e) => e.getFirstPropertyValue("uid") === uid) });
  const spans = [];
  if (!event.isRecurring()) {
    if (!cancelled(master)) spans.push([iso(event.startDate), iso(event.endDate)]);
  } else {
    const iterator = event.iterator();
    for (let next = iterator.next(), guard = 0; next && guard < 1000; next = iterator.next(), guard += 1) {
      const details = event.getOccurrenceDetails(next);
      if (cancelled(details.item.component) || (cancelled(master) && details.item.component === master)) continue;
      spans.push([iso(details.startDate), iso(details.endDate)]);
    }
  }
  found[uid] = spans.sort();
}
return found;
}

// One request a line, one answer a line: the test process keeps this reader running between its readings.
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  process.stdout.write(JSON.stringify(JSON.parse(line).map(read)) + "\n");
}
