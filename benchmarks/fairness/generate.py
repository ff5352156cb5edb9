"""Instance generator for the fairness benchmark: real city mixes, odd offsets, random teams; every series crosses a DST change."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bot.domain import tz

CITIES = {
    "Boston": ("America/New_York", "CompanyA"), "Basel": ("Europe/Zurich", "CompanyB"), "Tokyo": ("Asia/Tokyo", "CompanyC"),
    "SanDiego": ("America/Los_Angeles", "CompanyA"), "CambridgeUK": ("Europe/London", "CompanyB"),
    "Shanghai": ("Asia/Shanghai", "CompanyC"), "Bangalore": ("Asia/Kolkata", "CompanyD"),
    "Sydney": ("Australia/Sydney", "CompanyA"), "London": ("Europe/London", "CompanyB"), "NewYork": ("America/New_York", "CompanyC"),
    "StJohns": ("America/St_Johns", "CompanyA"), "Kathmandu": ("Asia/Kathmandu", "CompanyB"),
    "Chatham": ("Pacific/Chatham", "CompanyC"), "Adelaide": ("Australia/Adelaide", "CompanyD"),
}
MIXES = {
    "bbt": ["Boston", "Basel", "Tokyo"],
    "sccsb": ["SanDiego", "CambridgeUK", "Shanghai", "Bangalore"],
    "sln": ["Sydney", "London", "NewYork"],
    "odd": ["StJohns", "Bangalore", "Kathmandu", "Chatham"],
    "odd2": ["StJohns", "Adelaide", "Basel", "Kathmandu"],
}
# Wednesday starts; spring series cross US 03-08, EU 03-29, AU 04-05; autumn ones AU 10-04, EU 10-25, US 11-01.
SEASONS = {"spring": datetime(2026, 3, 4), "autumn": datetime(2026, 9, 30)}
RANDOM_ZONES = [
    "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York", "America/Sao_Paulo",
    "America/St_Johns", "America/Mexico_City", "Europe/London", "Europe/Zurich", "Europe/Helsinki", "Asia/Jerusalem",
    "Asia/Tehran", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Adelaide",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham", "Asia/Singapore", "Europe/Berlin", "Africa/Johannesburg",
]
HOURS = [("09:00", "17:00"), ("08:00", "16:00"), ("10:00", "18:00"), ("08:30", "17:30")]
PAIN_MODEL = {"name": "banded-v1", "step_min": 15, "shoulder_before_min": 120, "shoulder_after_min": 180,
              "early_before_min": 180, "late_after_min": 300,
              "weights": {"work": 0, "shoulder": 1, "early_late": 3, "night": 10}, "non_workday_extra": 3}


def stamp(value: datetime) -> str:
    """UTC JSON time."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def instance(name: str, people: list[dict[str, Any]], first: datetime, weeks: int, *, every_days: int = 7,
             duration: int = 60, tags: list[str], seed: int | None = None) -> dict[str, Any]:
    """A tzfair-instance/1 document with 24-hour windows anchored at Wednesday 00:00 UTC."""
    zones = sorted({p["tz"] for p in people})
    occurrences = []
    for k in range(weeks):
        start = (first + timedelta(days=every_days * k)).replace(tzinfo=timezone.utc)
        offsets = {z: int(start.astimezone(tz.zone(z)).utcoffset().total_seconds() // 60) for z in zones}
        occurrences.append({"k": k, "window_start_utc": stamp(start), "window_end_utc": stamp(start + timedelta(days=1)),
                            "offsets_min": offsets})
    return {"format": "tzfair-instance/1", "name": name, "description": f"{len(people)} people, {weeks} occurrences",
            "tags": tags, "seed": seed, "tzdb": tz.DATA_VERSION,
            "meeting": {"duration_min": duration, "granularity_min": 15}, "pain_model": PAIN_MODEL,
            "organizer": people[0]["id"], "participants": people, "occurrences": occurrences}


def city_people(cities: list[str], per_city: int = 1) -> list[dict[str, Any]]:
    """People in the named cities, default 09:00-17:00 Monday-Friday."""
    people = []
    for city in cities:
        zone, org = CITIES[city]
        for n in range(per_city):
            people.append({"id": f"p{len(people) + 1:02d}", "name": f"{city}-{n + 1}", "org": org, "tz": zone,
                           "work_start": "09:00", "work_end": "17:00"})
    return people


def random_people(rng: random.Random, count: int, zones: int) -> list[dict[str, Any]]:
    """A random team: `count` people spread over `zones` zones, varied hours, some Sun-Thu weeks and night limits."""
    chosen = rng.sample(RANDOM_ZONES, zones)
    people = []
    for n in range(count):
        zone = chosen[n % zones] if n < zones else rng.choice(chosen)
        start, end = rng.choice(HOURS)
        person: dict[str, Any] = {"id": f"p{n + 1:02d}", "name": f"{zone.split('/')[-1]}-{n + 1}", "org": f"Company{'ABCD'[n % 4]}",
                                  "tz": zone, "work_start": start, "work_end": end}
        if zone == "Asia/Jerusalem":
            person["workdays"] = [7, 1, 2, 3, 4]
        if rng.random() < 0.15:
            person["hard_unavailable_local"] = [["00:00", "05:00"]]
        people.append(person)
    return people


def feasible(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop hard limits, last person first, until every occurrence has a start everyone can make."""
    from bot.domain.fairness.formats import read_instance
    from bot.domain.fairness.solver import prepare

    while True:
        tables = prepare(read_instance(doc)[0]).tables
        if all(any(slot.feasible for slot in table.slots) for table in tables):
            return doc
        limited = [p for p in doc["participants"] if "hard_unavailable_local" in p]
        del limited[-1]["hard_unavailable_local"]


def suite() -> list[dict[str, Any]]:
    """Every benchmark instance: small (exactly solvable), medium and large."""
    out = []
    for mix, cities in MIXES.items():
        for season, first in SEASONS.items():
            out.append(instance(f"{mix}_{season}_8w", city_people(cities), first, 8, tags=["city-mix", f"dst-{season}", "small"]))
            out.append(instance(f"{mix}_{season}_12w_x2", city_people(cities, 2), first, 12, tags=["city-mix", f"dst-{season}", "small"]))
    rng = random.Random(5)
    for n in range(6):
        seed = rng.randrange(10**6)
        r = random.Random(seed)
        season = ("spring", "autumn")[n % 2]
        out.append(instance(f"rand_small_{n}", random_people(r, r.randint(4, 6), r.randint(4, 5)), SEASONS[season], r.choice([6, 8, 10]),
                            tags=["random", f"dst-{season}", "small"], seed=seed))
    for n in range(6):
        seed = rng.randrange(10**6)
        r = random.Random(seed)
        season = ("spring", "autumn")[n % 2]
        every = (7, 14)[n % 2]
        out.append(instance(f"rand_medium_{n}", random_people(r, r.randint(10, 30), r.randint(6, 12)), SEASONS[season], 13 + n,
                            every_days=every, tags=["random", f"dst-{season}", "medium"], seed=seed))
    for n in range(4):
        seed = rng.randrange(10**6)
        r = random.Random(seed)
        season = ("spring", "autumn")[n % 2]
        out.append(instance(f"rand_large_{n}", random_people(r, 60, 20), SEASONS[season] - timedelta(days=70), 26,
                            tags=["random", f"dst-{season}", "large"], seed=seed))
    out = [feasible(doc) for doc in out]
    for mix in ["bbt", "sccsb", "sln"]:
        out.append(instance(f"{mix}_large_26w", city_people(MIXES[mix], 20), SEASONS["spring"] - timedelta(days=70), 26,
                            tags=["city-mix", "dst-spring", "large"]))
    return out


def main() -> None:
    """Write the suite to benchmarks/fairness/instances/."""
    folder = Path(__file__).parent / "instances"
    folder.mkdir(exist_ok=True)
    for doc in suite():
        (folder / f"{doc['name']}.json").write_text(json.dumps(doc, indent=1))
    print(f"wrote {len(suite())} instances to {folder}")


if __name__ == "__main__":
    main()
