/* Reads iCalendar files the way libical does (the C library behind many calendar servers and clients).
 *
 * Each argument is a file. First a line "LIBICAL <version>", then for each file a line "FILE", then for each series a
 * line with its UID alone and one line "UID<TAB>start<TAB>end<TAB>date" per occurrence (start and end in seconds since
 * the epoch, UTC; date 1 for an all-day occurrence), cancelled instances left out. tests/views/calendar_readers.py
 * compiles and runs it.
 *
 * Each series is expanded by icalcomponent_foreach_recurrence (RRULE, RDATE and EXDATE, each instant resolved with
 * the file's VTIMEZONE). That call knows nothing of the other VEVENTs of the UID, so the overrides are applied here
 * as RFC 5545 says: the instance whose start equals an override's RECURRENCE-ID is replaced by the override, whose
 * own span comes from the same call (an override has no rule: its DTSTART and DURATION).
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libical 4 passes the span as const; 3.0 (Debian 12's) does not. */
#if ICAL_MAJOR_VERSION >= 4
typedef const struct icaltime_span span_type;
#else
typedef struct icaltime_span span_type;
#endif

struct series {
    const char *uid;
    icalcomponent *master;
    icalcomponent *calendar;
    int all_day;
};

static int cancelled(icalcomponent *event)
{
    return icalcomponent_get_status(event) == ICAL_STATUS_CANCELLED;
}

/* An override's RECURRENCE-ID in seconds since the epoch, its TZID resolved against the file's VTIMEZONEs. */
static long long recurrence_id(icalcomponent *event)
{
    icalproperty *property = icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY);
    struct icaltimetype at = icalproperty_get_datetime_with_component(property, event);
    return (long long)icaltime_as_timet_with_zone(at, at.zone ? at.zone : icaltimezone_get_utc_timezone());
}

static void print_span(const char *uid, span_type *span, int all_day)
{
    printf("%s\t%lld\t%lld\t%d\n", uid, (long long)span->start, (long long)span->end, all_day);
}

static void override_span(icalcomponent *event, span_type *span, void *data)
{
    const struct series *series = data;
    print_span(series->uid, span, icaltime_is_date(icalcomponent_get_dtstart(event)));
}

static struct icaltimetype window_start(void) { return icaltime_from_string("19990101T000000Z"); }
static struct icaltimetype window_end(void) { return icaltime_from_string("20400101T000000Z"); }

static void instance(icalcomponent *master, span_type *span, void *data)
{
    const struct series *series = data;
    icalcomponent *event;
    (void)master;
    for (event = icalcomponent_get_first_component(series->calendar, ICAL_VEVENT_COMPONENT); event != NULL;
         event = icalcomponent_get_next_component(series->calendar, ICAL_VEVENT_COMPONENT)) {
        if (strcmp(icalcomponent_get_uid(event), series->uid) != 0
            || icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY) == NULL
            || recurrence_id(event) != (long long)span->start) {
            continue;
        }
        if (!cancelled(event)) {
            icalcomponent_foreach_recurrence(event, window_start(), window_end(), override_span, data);
        }
        return;
    }
    if (!cancelled(series->master)) {
        print_span(series->uid, span, series->all_day);
    }
}

static char *slurp(const char *path)
{
    FILE *file = fopen(path, "rb");
    char *text;
    long size;
    if (file == NULL || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    text = malloc((size_t)size + 1);
    if (text == NULL || fread(text, 1, (size_t)size, file) != (size_t)size) {
        perror(path);
        exit(2);
    }
    text[size] = '\0';
    fclose(file);
    return text;
}

static void read_file(const char *path)
{
    char *text = slurp(path);
    icalcomponent *calendar = icalparser_parse_string(text);
    icalcomponent *event;
    if (calendar == NULL) {
        fprintf(stderr, "%s: libical could not parse it\n", path);
        exit(2);
    }
    printf("FILE\n");
    /* Iterating the calendar again inside the callback moves its component iterator: collect the masters first. */
    size_t count = 0;
    icalcomponent **masters = calloc((size_t)icalcomponent_count_components(calendar, ICAL_VEVENT_COMPONENT) + 1,
                                     sizeof *masters);
    for (event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT); event != NULL;
         event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
        if (icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY) == NULL) {
            masters[count++] = event;
        }
    }
    for (size_t k = 0; k < count; k++) {
        struct series series = {icalcomponent_get_uid(masters[k]), masters[k], calendar,
                                icaltime_is_date(icalcomponent_get_dtstart(masters[k]))};
        printf("%s\n", series.uid);
        icalcomponent_foreach_recurrence(masters[k], window_start(), window_end(), instance, &series);
    }
    free(masters);
    icalcomponent_free(calendar);
    free(text);
}

int main(int argc, char **argv)
{
    icalerror_set_errors_are_fatal(0);
    printf("LIBICAL %d.%d.%d\n", ICAL_MAJOR_VERSION, ICAL_MINOR_VERSION, ICAL_PATCH_VERSION);
    for (int k = 1; k < argc; k++) {
        read_file(argv[k]);
    }
    return 0;
}
