<?php
// Reads iCalendar files the way sabre/vobject does (the library of the PHP CalDAV servers): each line of stdin is a
// JSON list of their texts, answered by a line of stdout, a JSON list with, for each, {uid: [[startUTC, endUTC], ...]}:
// every occurrence of every series, cancelled instances left out. Used by tests/views/calendar_readers.py (run with
// date.timezone=UTC).
//
// Expanded as a CalDAV server expands for a client (RFC 4791 §9.6.5): VCalendar::expand() over a window, which
// walks each series with the library's recurrence iterator (RecurrenceIterator in 2.x, Debian 12's package;
// Recurrence\EventIterator from 3.0 on), puts the overrides in place and writes every instant in UTC. Each
// occurrence then ends at its DTEND, or its DTSTART plus DURATION.
declare(strict_types=1);

use Sabre\VObject;

require_once 'Sabre/VObject/autoload.php';

function instant(DateTimeInterface $at): string
{
    return (new DateTimeImmutable('@' . $at->getTimestamp()))->format('Y-m-d\TH:i:s\Z');
}

function read(string $text): object
{
    $calendar = VObject\Reader::read($text);
    $found = [];
    foreach ($calendar->select('VEVENT') as $event) {
        if (!isset($event->{'RECURRENCE-ID'})) {
            $found[(string) $event->UID] = [];
        }
    }
    // 2.x expands in place (and returns nothing); later versions return the expanded copy.
    $expanded = $calendar->expand(new DateTime('1999-01-01T00:00:00Z'), new DateTime('2040-01-01T00:00:00Z')) ?? $calendar;
    foreach ($expanded->select('VEVENT') as $event) {
        if (strtoupper((string) $event->STATUS) === 'CANCELLED') {
            continue;
        }
        $start = $event->DTSTART->getDateTime();
        if (isset($event->DTEND)) {
            $end = $event->DTEND->getDateTime();
        } else {
            $end = DateTime::createFromInterface($start);
            if (isset($event->DURATION)) {
                $end = $end->add(VObject\DateTimeParser::parseDuration((string) $event->DURATION));
            }
        }
        $found[(string) $event->UID][] = [instant($start), instant($end)];
    }
    foreach ($found as &$spans) {
        sort($spans);
    }
    return (object) $found;
}

// With --transitions: stdin is a JSON list of [zone, fromSeconds, toSeconds], stdout for each the UTC offsets PHP's
// own tz data (which sabre/vobject resolves a known TZID with) gives there: [[seconds, offset], ...], the offset at
// `from` and then each change.
function transitions(array $span): array
{
    [$zone, $from, $to] = $span;
    return array_map(fn (array $change): array => [$change['ts'], $change['offset']],
                     (new DateTimeZone($zone))->getTransitions($from, $to));
}

// One request a line, one answer a line: the test process keeps this reader running between its readings.
$answer = ($argv[1] ?? '') === '--transitions' ? 'transitions' : 'read';
while (($line = fgets(STDIN)) !== false) {
    echo json_encode(array_map($answer, json_decode($line, true))), "\n";
}
