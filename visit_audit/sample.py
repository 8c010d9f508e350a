"""Realistic synthetic extracts: no real child's data, for demos, tests and benchmarks.

``write_sample`` writes ``cases.csv`` and ``visits.csv`` shaped like a
Liquidlogic or Mosaic export: header aliases (README "Input format"), plan types
spelt as extracts spell them (docs/frameworks.md, "How plan types are spelt in
extracts"), UK dates, child ids with leading zeros, several episodes for some
children, and visits spaced by each plan type's cadence (docs/frameworks.md)
with realistic jitter: most on time, a few late, some gaps, phone and text
contacts, no-access visits and return home interviews.

Everything is vectorised over episodes and records: the only Python loops run
over plan types, over the ordinal of a visit within its episode (at most a few
hundred) and over output chunks, so 10 million visits take seconds. The same
seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from visit_audit.plan_types import PLAN_TYPE_ALIASES

CANONICAL_PLAN_TYPES: tuple[str, ...] = tuple(PLAN_TYPE_ALIASES)
DEFAULT_AS_OF = dt.date(2026, 10, 31)

CASES_HEADER = (
    "Person ID",
    "Episode ID",
    "Plan Type",
    "Start Date",
    "End Date",
    "DOB",
    "First Review Date",
    "Permanence Date",
    "Decision Date",
    "Visit Frequency",
    "Social Worker",
    "Team",
)
VISITS_HEADER = (
    "Person ID",
    "Date of Visit",
    "Contact Type",
    "Child Seen",
    "Seen Alone",
    "Visit Location",
    "Bedroom Seen",
    "Unannounced",
    "Episode ID",
    "Worker",
)

# Episodes start over about three years before as_of.
_WINDOW_DAYS = 3 * 365
_YEAR = 365.25
# A day number far beyond any audit date: an until date that never arrives.
_NEVER = np.int64(10**7)
_EPOCH = dt.date(1970, 1, 1)
_CHUNK_ROWS = 1 << 20

# Per recorded visit: late by 1–20 days, or a longer gap (missed / overdue).
P_LATE = 0.03
_P_GAP = 0.006
# Per episode: visiting stops part-way (a missed or overdue finding).
_P_ABANDON = 0.03
# Per visit: a phone/text contact since the last visit; a no-access attempt before it.
_P_CONTACT = 0.25
_P_NO_ACCESS = 0.04
# Recurring visits fall between this share of the interval and its deadline.
_EARLIEST_SHARE = 0.5

TEAMS = (
    "Assessment Team North",
    "Assessment Team South",
    "Safeguarding Team East",
    "Safeguarding Team West",
    "Children in Care Team",
    "Leaving Care Team",
    "Early Help Hub",
    "Disabled Children's Team",
    "Fostering and Adoption Team",
    "Edge of Care Team",
)
_WORKERS_PER_TEAM = 6
_FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Dev", "Ellie", "Farid", "Grace", "Harvey", "Isla", "Jonah",
    "Kiran", "Leah", "Marcus", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
    "Una", "Victor", "Willow", "Xander", "Yasmin", "Zoë", "Aled", "Bethan", "Callum", "Dina",
    "Eamon", "Fern", "Gareth", "Hana", "Idris", "Jess", "Kofi", "Lorna", "Milo", "Niamh",
    "Oscar", "Pippa", "Rhys", "Siân", "Toby", "Uzma", "Vera", "Wes", "Yusuf", "Zara",
    "Adele", "Bilal", "Cara", "Dylan", "Esme", "Finn", "Gemma", "Hugo", "Ines", "Jamal",
)  # fmt: skip
_SURNAMES = (
    "Adeyemi", "Barker", "Chaudhry", "Dawson", "Ellison", "Fletcher", "Gallagher", "Hussain",
    "Ingram", "Jarvis", "Kowalski", "Lockwood", "Mensah", "Norris", "Okafor", "Pearce",
    "Quigley", "Rahman", "Shaw", "Thornton", "Underwood", "Vickers", "Whitaker", "Yates",
    "Ashworth", "Booth", "Crowther", "Dean", "Emmett", "Firth", "Greenwood", "Haigh",
    "Iqbal", "Jagger", "Kershaw", "Lister", "Marsden", "Nolan", "Oldroyd", "Priestley",
    "Ramsden", "Sykes", "Tindall", "Upton", "Varley", "Walsh", "Wood", "Beever",
    "Clegg", "Dyson", "Exley", "Fox", "Gill", "Hirst", "Illingworth", "Kaye",
    "Lees", "Moss", "Naylor", "Pickles",
)  # fmt: skip
WORKERS = tuple(
    f"{_FIRST_NAMES[i]} {_SURNAMES[(7 * i) % len(_SURNAMES)]}"
    for i in range(len(TEAMS) * _WORKERS_PER_TEAM)
)

_CONTACT_TYPES = ("Phone call", "Text message", "Video call", "Email", "Teams call", "Letter")
_CONTACT_WEIGHTS = (0.45, 0.25, 0.12, 0.1, 0.05, 0.03)
_FREQUENCIES = ("5 working days", "2 weeks", "weekly", "fortnightly", "monthly")
# Calendar days (or working days) each frequency allows between visits.
_FREQUENCY_STEP = ((5, True), (14, False), (7, False), (14, False), (28, False))


@dataclass(frozen=True)
class _Profile:
    """How episodes of one plan type look and how often their children are visited.

    ``initial`` and ``phases`` follow docs/frameworks.md, reading each interval
    as the calendar (or working) days that always satisfy it and, where the
    two built-in frameworks differ, the stricter one, so that a punctual
    social worker is punctual under either. A phase's ``until`` names a rule
    of ``_until``; ``any_from`` is the first phase whose filter is ``any``.
    """

    weight: float
    duration: tuple[int, int]
    age: tuple[float, float]
    labels: tuple[str, ...]
    visit_types: tuple[str, ...]
    teams: tuple[int, ...]
    initial: tuple[tuple[int, bool], ...] = ()
    phases: tuple[tuple[int, bool, str | None], ...] = ()
    initial_any: bool = False
    any_from: int = 99


_HOME_VISIT = ("Home Visit", "Statutory Visit", "", "School Visit")
_PROFILES: dict[str, _Profile] = {
    "early_help": _Profile(
        9, (120, 420), (0, 16), ("Early Help", "EH", "TAF", "Early Help Assessment"),
        ("Home Visit", "Family Support Visit", "", "School Visit"), (6,),
        initial=((5, True),), phases=((4 * 7, False, None),), initial_any=True,
    ),
    "referral": _Profile(
        6, (0, 3), (0, 17), ("Referral", "Contact"), _HOME_VISIT, (0, 1),
    ),
    "s47_enquiry": _Profile(
        3, (10, 30), (0, 17), ("S47", "Section 47", "S47 Enquiry", "Strategy"),
        ("S47 Visit", "Home Visit", "Statutory Visit"), (0, 1), initial=((1, False),),
    ),
    "s17_assessment": _Profile(
        4, (20, 45), (0, 17), ("Single Assessment", "S17", "Assessment", "C&F Assessment"),
        ("Assessment Visit", "Home Visit", "", "School Visit"), (0, 1), initial=((5, True),),
    ),
    "child_in_need": _Profile(
        22, (120, 720), (0, 17), ("CIN", "Child in Need", "CIN Plan"),
        ("CIN Visit", "Home Visit", "Statutory Visit", "", "School Visit"), (2, 3),
        phases=((20, True, None),),
    ),
    "child_protection": _Profile(
        12, (90, 720), (0, 16), ("CP", "Child Protection Plan", "CPP", "Child Protection"),
        ("CP Visit", "Home Visit", "Statutory Visit", "", "School Visit"), (2, 3),
        initial=((2, False),), phases=((10, True, None),),
    ),
    "child_in_care": _Profile(
        18, (180, 2000), (0, 16),
        ("CLA", "Looked After", "LAC", "Child Looked After", "Children in Our Care", "CiC"),
        ("LAC Visit", "Statutory Visit", "CLA Visit", "Home Visit", ""), (4,),
        initial=((0, False), (7, False)),
        phases=((7, False, "start+28"), (42, False, "reduced"), (89, False, None)),
    ),
    "short_breaks": _Profile(
        3, (365, 1100), (5, 16), ("Short Breaks", "Respite", "Short Break Care"),
        ("Short Break Visit", "Statutory Visit", "Home Visit"), (7,),
        initial=((7, False), (89, False)), phases=((181, False, None),),
    ),
    "adoption": _Profile(
        1.5, (240, 600), (0, 5), ("Placed for Adoption", "Adoption", "Adoptive Placement"),
        ("Adoption Visit", "Statutory Visit", "Home Visit"), (8,),
        initial=((7, False),),
        phases=((7, False, "review"), (42, False, "review+1y"), (89, False, None)),
    ),
    "private_fostering": _Profile(
        0.6, (90, 720), (6, 16), ("Private Fostering", "PF", "Privately Fostered"),
        ("PF Visit", "Statutory Visit", "Home Visit"), (8,),
        initial=((7, False),), phases=((42, False, "start+1y"), (84, False, None)),
    ),
    "temporary_approval": _Profile(
        1.2, (60, 270), (0, 15),
        ("Reg 24", "Temporary Approval", "Regulation 24", "ICO", "Interim Care Order"),
        ("Statutory Visit", "LAC Visit", "Home Visit"), (4, 8),
        phases=((7, False, "review"), (28, False, None)),
    ),
    "care_order_at_home": _Profile(
        1.5, (180, 900), (0, 15), ("Placement with Parents", "Care Order at Home", "PWP"),
        ("Statutory Visit", "LAC Visit", "Home Visit", ""), (4, 9),
        initial=((7, False),), phases=((7, False, "review"), (28, False, None)),
    ),
    "missing": _Profile(
        2, (3, 14), (11, 17), ("Missing from Home", "Missing", "Return from Missing"),
        ("RHI", "Return Home Interview"), (9,), initial=((3, False),),
    ),
    "care_leaver": _Profile(
        9, (365, 2000), (0, 0), ("Care Leaver", "Leaving Care", "Pathway Plan", "Former Relevant"),
        ("Pathway Plan Visit", "Home Visit", "Statutory Visit", ""), (5,),
        phases=((59, False, "dob+20y"), (181, False, None)), any_from=1,
    ),
    "multiple_placements": _Profile(
        1, (120, 720), (0, 16), ("Multiple Placements", "More than one placement type"),
        ("Statutory Visit", "LAC Visit", "Home Visit"), (4,), phases=((84, False, None),),
    ),
    "exploitation": _Profile(
        2, (90, 450), (11, 17), ("Exploitation", "CCE", "CSE"),
        ("Home Visit", "Statutory Visit", "", "School Visit"), (9, 2, 3),
        phases=((28, False, None),),
    ),
}  # fmt: skip


def _generic_profile(name: str) -> _Profile:
    """A plan type this module does not know: monthly visits, spelt as given."""
    return _Profile(
        2, (90, 540), (0, 17), (name,), _HOME_VISIT, tuple(range(len(TEAMS))),
        phases=((28, False, None),),
    )  # fmt: skip


def write_sample(
    out_dir: Path,
    *,
    children: int = 200,
    seed: int = 1,
    plan_types: Sequence[str] = CANONICAL_PLAN_TYPES,
    as_of: dt.date = DEFAULT_AS_OF,
    late: float = P_LATE,
) -> tuple[Path, Path]:
    """Write ``cases.csv`` and ``visits.csv`` into ``out_dir``; return their paths.

    Every plan type of ``plan_types`` (canonical names; an unknown one gets a
    monthly cadence and is written as given) appears at least once. About 1.6
    episodes and 23 records per child: 43,000 children give about a million
    visits. No record or date is after ``as_of``. The same arguments give
    byte-identical files. ``late``: the share of visits made after their due
    date (3 % by default; 0.2 is a struggling authority, about one deadline in
    five late).
    """
    if not 0 <= late < 1:
        raise ValueError("late must be a share from 0 to below 1")
    if children < 1:
        raise ValueError("children must be at least 1")
    plan_types = tuple(dict.fromkeys(plan_types))
    if not plan_types:
        raise ValueError("plan_types must name at least one plan type")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    as_of_day = np.int64((as_of - _EPOCH).days)
    profiles = [_PROFILES.get(name) or _generic_profile(name) for name in plan_types]

    child_ids = _child_ids(rng, children)
    ep, dob = _episodes(rng, children, profiles, plan_types, as_of_day)
    _case_details(rng, ep, dob, profiles, plan_types, as_of_day)
    episode_ids = _episode_ids(rng, len(ep["child"]))
    days = _date_strings(min(int(dob.min()), int(ep["start"].min())), int(as_of_day))

    cases_path = out_dir / "cases.csv"
    visits_path = out_dir / "visits.csv"
    _write_cases(cases_path, ep, dob, child_ids, episode_ids, profiles, days, rng)
    records = _visit_records(rng, ep, profiles, late)
    _write_visits(visits_path, rng, records, ep, profiles, child_ids, episode_ids, days)
    return cases_path, visits_path


# --- children and episodes ---------------------------------------------------------------


def _child_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """Increasing 7-digit (or longer) person ids, zero-padded like a Mosaic export."""
    ids = 10_000 + rng.integers(0, 5_000) + np.cumsum(rng.integers(1, 30, n))
    width = max(7, len(str(int(ids[-1]))))
    return pc.utf8_lpad(pa.array(ids).cast(pa.string()), width=width, padding="0")


def _episode_ids(rng: np.random.Generator, n: int) -> pa.Array:
    ids = 2_000_000 + np.cumsum(rng.integers(1, 12, n))
    return pa.array(ids).cast(pa.string())


def _years(x: np.ndarray | float) -> np.ndarray:
    return np.floor(np.asarray(x) * _YEAR).astype(np.int64)


def _episodes(
    rng: np.random.Generator,
    n: int,
    profiles: list[_Profile],
    plan_types: tuple[str, ...],
    as_of: np.int64,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each child's main episode and the episodes that typically go with it.

    Returns the episodes ({child, ptype, start, end}; ``end`` is ``_NEVER``
    when open), sorted by child and start, and each child's date of birth.
    """
    index = {name: i for i, name in enumerate(plan_types)}
    weights = np.array([p.weight for p in profiles], dtype=float)
    slots = max(n, len(plan_types))
    ptype = rng.choice(len(plan_types), size=slots, p=weights / weights.sum())
    # Every plan type present: one main episode each at random children
    # (and for fewer children than plan types, extra episodes for some).
    forced = rng.permutation(slots)[: len(plan_types)]
    ptype[forced] = np.arange(len(plan_types))
    child = np.arange(slots) % n

    start = as_of - rng.integers(0, _WINDOW_DAYS, slots)
    lo = np.array([p.duration[0] for p in profiles])[ptype]
    hi = np.array([p.duration[1] for p in profiles])[ptype]
    end = start + lo + np.floor(rng.random(slots) * (hi - lo + 1)).astype(np.int64)
    age_lo = np.array([p.age[0] for p in profiles])[ptype]
    age_hi = np.array([p.age[1] for p in profiles])[ptype]
    dob = start - _years(age_lo + rng.random(slots) * (age_hi - age_lo + 0.99)) - 1

    if "care_leaver" in index:
        # Aged 17–22 at as_of; the leaving-care episode starts at 16½–18,
        # and half of them close at 21.
        cl = ptype == index["care_leaver"]
        k = int(cl.sum())
        dob[cl] = as_of - _years(17 + rng.random(k) * 5.99)
        start[cl] = np.minimum(dob[cl] + _years(16.5 + rng.random(k) * 1.5), as_of)
        end[cl] = np.where(rng.random(k) < 0.5, dob[cl] + _years(21.0), _NEVER)

    # Fewer children than plan types: the extra slots belong to existing children.
    dob = dob[:n]
    start = np.maximum(start, dob[child])
    end = np.maximum(end, start)
    parts = [(child, ptype, start, end)]
    main_start, main_end, main_type = start[:n], end[:n], ptype[:n]

    def has(name: str) -> bool:
        return name in index

    def pick(mask: np.ndarray, p: float) -> np.ndarray:
        return np.flatnonzero(mask & (rng.random(n) < p))

    def add(kids: np.ndarray, name: str, s: np.ndarray, e: np.ndarray) -> None:
        parts.append((kids, np.full(len(kids), index[name]), s, e))

    def is_(name: str) -> np.ndarray:
        return main_type == index[name] if has(name) else np.zeros(n, dtype=bool)

    first_start = main_start.copy()
    if has("child_protection"):
        cp = is_("child_protection")
        if has("s47_enquiry"):  # S47 enquiry, then the initial conference
            kids = pick(cp, 0.5)
            s = main_start[kids] - rng.integers(8, 16, len(kids))
            add(kids, "s47_enquiry", s, main_start[kids] - 1)
            first_start[kids] = np.minimum(first_start[kids], s)
        if has("child_in_need"):  # CIN, stepped up to CP
            kids = pick(cp, 0.3)
            s = main_start[kids] - rng.integers(60, 300, len(kids))
            add(kids, "child_in_need", s, main_start[kids] - 1)
            first_start[kids] = np.minimum(first_start[kids], s)
            kids = pick(cp & (main_end < as_of - 1), 0.4)  # CP stepped down to CIN
            s = main_end[kids] + 1
            add(kids, "child_in_need", s, s + rng.integers(90, 365, len(kids)))
    if has("child_in_need") and has("s17_assessment"):  # assessment, then CIN plan
        kids = pick(is_("child_in_need"), 0.4)
        s = main_start[kids] - rng.integers(20, 45, len(kids))
        add(kids, "s17_assessment", s, main_start[kids] - 1)
        first_start[kids] = np.minimum(first_start[kids], s)
    if has("care_leaver") and has("child_in_care"):  # in care until leaving care
        kids = pick(is_("care_leaver"), 0.4)
        add(kids, "child_in_care", main_start[kids] - rng.integers(365, 1500, len(kids)),
            main_start[kids] - 1)  # fmt: skip
    if has("referral"):  # the contact that began the child's journey
        front_door = ("early_help", "s47_enquiry", "s17_assessment", "child_in_need",
                      "child_protection", "child_in_care", "private_fostering")  # fmt: skip
        door = np.zeros(n, dtype=bool)
        for name in front_door:
            door |= is_(name)
        kids = pick(door, 0.25)
        s = first_start[kids] - rng.integers(1, 20, len(kids))
        add(kids, "referral", s, s + rng.integers(0, 4, len(kids)))
    if has("missing"):  # missing episodes while in care, or while on a plan
        in_care = is_("child_in_care") | is_("care_order_at_home")
        on_plan = is_("child_in_need") | is_("child_protection") | is_("exploitation")
        kids = np.concatenate([pick(in_care, 0.25), pick(on_plan, 0.05)])
        kids = np.repeat(kids, rng.integers(1, 4, len(kids)))
        open_end = np.minimum(main_end[kids], as_of)
        s = main_start[kids] + np.floor(
            rng.random(len(kids)) * (open_end - main_start[kids] + 1)
        ).astype(np.int64)
        add(kids, "missing", s, s + rng.integers(3, 15, len(kids)))
    if has("exploitation"):  # exploitation alongside another plan
        other = is_("child_in_need") | is_("child_protection") | is_("child_in_care")
        kids = pick(other, 0.08)
        s = np.minimum(main_start[kids] + rng.integers(0, 120, len(kids)), as_of)
        add(kids, "exploitation", s, s + rng.integers(90, 450, len(kids)))

    ep = {k: np.concatenate([p[i] for p in parts]) for i, k in
          enumerate(("child", "ptype", "start", "end"))}  # fmt: skip
    # No episode before birth, more than five years back, or after as_of;
    # open when it has not yet ended.
    ep["start"] = np.maximum(ep["start"], np.maximum(dob[ep["child"]], as_of - 5 * 365))
    keep = (ep["start"] <= as_of) & (ep["end"] >= ep["start"])
    ep = {k: v[keep] for k, v in ep.items()}
    ep["end"] = np.where(ep["end"] >= as_of, _NEVER, ep["end"])
    order = np.lexsort((ep["ptype"], ep["start"], ep["child"]))
    return {k: v[order] for k, v in ep.items()}, dob


def _case_details(
    rng: np.random.Generator,
    ep: dict[str, np.ndarray],
    dob: np.ndarray,
    profiles: list[_Profile],
    plan_types: tuple[str, ...],
    as_of: np.int64,
) -> None:
    """Add the optional case columns to ``ep`` (``_NEVER`` = blank)."""
    m = len(ep["child"])
    start, end, ptype = ep["start"], ep["end"], ep["ptype"]
    last = np.minimum(end, as_of)
    blank = np.full(m, _NEVER)

    def is_(*names: str) -> np.ndarray:
        codes = [plan_types.index(n) for n in names if n in plan_types]
        return np.isin(ptype, codes)

    # First review about 4–6 weeks in; a few (at least one) not recorded.
    review = start + rng.integers(20, 43, m)
    expected = np.flatnonzero(is_("adoption", "temporary_approval", "care_order_at_home"))
    missing = rng.permutation(expected)[: int(np.ceil(0.08 * expected.size))]
    ok = np.zeros(m, dtype=bool)
    ok[expected] = True
    ok[missing] = False
    ep["review"] = np.where(ok & (review <= last), review, blank)

    # A review agreed less frequent visits for some long-standing children in care.
    reduced = start + rng.integers(300, 700, m)
    ok = is_("child_in_care") & (rng.random(m) < 0.4) & (reduced <= last)
    ep["reduced"] = np.where(ok, reduced, blank)

    # Referral decisions: mostly the same or next working day, a few late, a few blank.
    u = rng.random(m)
    next_wd = _busday(start, np.ones(m, dtype=np.int64))
    decision = np.where(u < 0.45, start, next_wd)
    decision = np.where(u > 0.93, next_wd + rng.integers(1, 11, m), decision)
    decision = np.where((u > 0.97) | (decision > as_of), blank, decision)
    referral = is_("referral")
    ep["decision"] = np.where(referral, decision, blank)
    closes = np.where(decision < _NEVER, decision, start + 5) + rng.integers(0, 4, m)
    ep["end"] = np.where(referral, np.where(closes < as_of, closes, _NEVER), end)

    # The child's own, stricter, plan frequency for about 5% of episodes.
    recurring = np.array([bool(p.phases) for p in profiles])[ptype]
    ep["frequency"] = np.where(
        recurring & (rng.random(m) < 0.05), rng.integers(0, len(_FREQUENCIES), m), -1
    )

    team_choices = [p.teams for p in profiles]
    width = max(len(t) for t in team_choices)
    table = np.array([list(t) + [t[0]] * (width - len(t)) for t in team_choices])
    sizes = np.array([len(t) for t in team_choices])
    ep["team"] = table[ptype, np.floor(rng.random(m) * sizes[ptype]).astype(np.int64)]
    ep["worker"] = ep["team"] * _WORKERS_PER_TEAM + rng.integers(0, _WORKERS_PER_TEAM, m)
    # Visiting stops part-way through a few episodes.
    span = np.minimum(ep["end"], as_of) - start
    stop = start + np.floor(rng.random(m) * (span + 1)).astype(np.int64)
    ep["stop"] = np.where(rng.random(m) < _P_ABANDON, stop, np.minimum(ep["end"], as_of))
    ep["dob"] = dob[ep["child"]]


# --- visits ------------------------------------------------------------------------------


def _busday(day: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The n-th working day (Mon–Fri) strictly after ``day``, counted from the Friday
    before when ``day`` is a weekend (docs/rules.md, "Working days and bank holidays")."""
    d = day.astype("datetime64[D]")
    return np.busday_offset(d, n, roll="backward").astype(np.int64)


def _after(day: np.ndarray, n: np.ndarray, working: np.ndarray) -> np.ndarray:
    out = day + n
    if working.any():
        out[working] = _busday(day[working], n[working])
    return out


def _until(rule: str | None, ep: dict[str, np.ndarray]) -> np.ndarray:
    """A phase's last day (generously late, so visits stay on time under either year length)."""
    start, m = ep["start"], len(ep["start"])
    if rule is None:
        return np.full(m, _NEVER)
    if rule == "start+28":
        return start + 28
    if rule == "start+1y":
        return start + 366
    if rule == "review":
        return ep["review"]
    if rule == "review+1y":
        return np.where(ep["review"] < _NEVER, ep["review"] + 366, _NEVER)
    if rule == "reduced":
        return np.where(ep["reduced"] < _NEVER, np.maximum(start + 366, ep["reduced"]), _NEVER)
    if rule == "dob+20y":
        return ep["dob"] + _years(20.0) + 2
    raise ValueError(f"unknown until rule {rule!r}")


def _visit_records(
    rng: np.random.Generator,
    ep: dict[str, np.ndarray],
    profiles: list[_Profile],
    late: float = 0.03,
) -> dict[str, np.ndarray]:
    """Every record's episode, day, kind (0 visit, 1 contact, 2 no access) and filter.

    Sorted by day, then child. ``any`` marks a visit due under a phase whose
    filter is ``any`` (so it may be a call).

    Each step draws the next visit of every still-visited episode: due per
    the episode's initial deadlines, then its phases (docs/rules.md, "Phases and
    until dates") and its own frequency; the visit falls between halfway and the due date, on
    a weekday where that stays in time, a few late and a few long gaps. Around it
    sit phone/text contacts and no-access attempts that do not move the chain.
    """
    m = len(ep["start"])
    ptype, start, stop = ep["ptype"], ep["start"], ep["stop"]
    n_init = np.array([len(p.initial) for p in profiles])[ptype]
    n_phase = np.array([len(p.phases) for p in profiles])[ptype]
    max_init = max(1, int(n_init.max()))
    init_due = np.full((m, max_init), _NEVER)
    for k in range(max_init):
        n = np.array([p.initial[k][0] if len(p.initial) > k else 0 for p in profiles])[ptype]
        wd = np.array([len(p.initial) > k and p.initial[k][1] for p in profiles])[ptype]
        init_due[:, k] = _after(start, n, wd)
    max_phase = max(1, int(n_phase.max()))
    ph_n = np.zeros((m, max_phase), dtype=np.int64)
    ph_wd = np.zeros((m, max_phase), dtype=bool)
    ph_until = np.full((m, max_phase), _NEVER)
    for t, prof in enumerate(profiles):
        rows = np.flatnonzero(ptype == t)
        sub = {k: v[rows] for k, v in ep.items()}
        for p, (n, wd, rule) in enumerate(prof.phases):
            ph_n[rows, p] = n
            ph_wd[rows, p] = wd
            ph_until[rows, p] = _until(rule, sub)
    freq = ep["frequency"]
    freq_n = np.array([n for n, _ in _FREQUENCY_STEP] + [0])[freq]
    freq_wd = np.array([w for _, w in _FREQUENCY_STEP] + [False])[freq]
    any_from = np.array([p.any_from for p in profiles])[ptype]
    init_any = np.array([p.initial_any for p in profiles])[ptype]

    out_ep = [np.zeros(0, dtype=np.int32)]
    out_day = [np.zeros(0, dtype=np.int32)]
    out_kind = [np.zeros(0, dtype=np.int8)]
    out_any = [np.zeros(0, dtype=bool)]
    active = np.flatnonzero((n_init + n_phase > 0) & (stop >= start))
    cur = start - 1
    k = 0
    while active.size:
        a = active
        size = a.size
        prev = cur[a]
        initial = k < n_init[a]
        due = np.full(size, _NEVER)
        phase_any = np.zeros(size, dtype=bool)
        if initial.any():
            due[initial] = init_due[a[initial], min(k, max_init - 1)]
            phase_any[initial] = init_any[a[initial]]
        rec = ~initial & (n_phase[a] > 0)
        if rec.any():
            r = a[rec]
            base = prev[rec]
            best = np.full(r.size, _NEVER)
            chosen = np.zeros(r.size, dtype=np.int64)
            floor_day = np.full(r.size, np.int64(-(10**7)))
            for p in range(max_phase):
                present = p < n_phase[r]
                cand = np.maximum(floor_day + 1, _after(base, ph_n[r, p], ph_wd[r, p]))
                valid = present & (cand <= ph_until[r, p]) & (cand < best)
                best = np.where(valid, cand, best)
                chosen = np.where(valid, p, chosen)
                floor_day = np.where(present, ph_until[r, p], floor_day)
            own = freq[r] >= 0
            if own.any():
                best[own] = np.minimum(
                    best[own], _after(base[own], freq_n[r[own]], freq_wd[r[own]])
                )
            due[rec] = best
            phase_any[rec] = chosen >= any_from[r]
        go = due < _NEVER
        a, prev, due, phase_any = a[go], prev[go], due[go], phase_any[go]
        size = a.size
        first = (k == 0) & (n_init[a] > 0)
        lo = np.where(first, start[a], prev + 1)
        lo = np.where(first, lo, np.maximum(lo, prev + np.ceil((due - prev) * _EARLIEST_SHARE)))
        lo = lo.astype(np.int64)
        span = np.maximum(due - lo + 1, 1)
        day = lo + np.floor(rng.random(size) * span).astype(np.int64)
        u = rng.random(size)
        late_from = np.maximum(due, lo)
        day = np.where(u < late, late_from + rng.integers(1, 21, size), day)
        day = np.where(u > 1 - _P_GAP, late_from + rng.integers(21, 120, size), day)
        # Social workers visit on weekdays: a weekend visit moves to a day earlier in
        # the week, or to the Monday when that is still in time.
        weekday = (day + 3) % 7
        weekend = weekday >= 5
        earlier = day - (weekday - 4) - rng.integers(0, 4, size)
        monday = day + 7 - weekday
        day = np.where(weekend & (earlier >= lo), earlier,
                       np.where(weekend & (monday <= due), monday, day))  # fmt: skip

        # A no-access attempt: mostly just before a late visit, sometimes before any.
        attempt = np.where(u < late, due, day) - rng.integers(0, 4, size)
        tried = ((u < late) | (rng.random(size) < _P_NO_ACCESS)) & (attempt > prev)
        tried &= (attempt < day) & (attempt <= stop[a])
        # A phone call or text on some day since the previous record.
        gap = day - prev - 1
        contact_day = prev + 1 + np.floor(rng.random(size) * np.maximum(gap, 0)).astype(np.int64)
        called = (rng.random(size) < _P_CONTACT) & (gap > 0) & (contact_day <= stop[a])

        keep = day <= stop[a]
        for mask, kind, days in ((keep, 0, day), (tried, 2, attempt), (called, 1, contact_day)):
            out_ep.append(a[mask].astype(np.int32))
            out_day.append(days[mask].astype(np.int32))
            out_kind.append(np.full(int(mask.sum()), kind, dtype=np.int8))
            out_any.append(phase_any[mask] & (kind == 0))
        cur[a[keep]] = day[keep]
        active = a[keep]
        k += 1

    rec = {
        "ep": np.concatenate(out_ep),
        "day": np.concatenate(out_day),
        "kind": np.concatenate(out_kind),
        "any": np.concatenate(out_any),
    }
    # Chronological, as a visits log is exported: by date, then child, then record kind.
    # Episodes are sorted by child, so the episode index orders children.
    first = int(rec["day"].min()) if rec["day"].size else 0
    key = (rec["day"].astype(np.int64) - first) * (3 * m) + rec["ep"].astype(np.int64) * 3
    order = np.argsort(key + rec["kind"], kind="stable")
    del key
    return {k: v[order] for k, v in rec.items()}


def _choose(rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """n draws of an index into ``weights`` (int8 codes)."""
    cum = np.cumsum(np.asarray(weights, dtype=float))
    cum = (cum / cum[-1]).astype(np.float32)
    return np.searchsorted(cum, rng.random(n, dtype=np.float32), side="right").astype(np.int8)


def _decreasing(k: int) -> np.ndarray:
    """Weights for spellings: the first most common, each next one half as common."""
    return 0.5 ** np.arange(k)


@dataclass(frozen=True)
class _Vocab:
    """The text values of the visits columns; records hold int8 codes into them."""

    types: list[str | None]
    main: list[np.ndarray]  # per plan type: codes of its face-to-face visit types
    rhi: int  # plan type whose records are return home interviews (-1: none)
    short_breaks: int
    school: np.ndarray


_SEEN = (None, "Y", "Seen", "N", "No access", "Not seen")
_YN = (None, "Y", "N")
_LOCATIONS = (None, "Home", "School", "Contact Centre", "Office")


def _vocab(profiles: list[_Profile]) -> _Vocab:
    types: list[str | None] = [None, *_CONTACT_TYPES]
    main = []
    for prof in profiles:
        codes = []
        for name in (x or None for x in prof.visit_types):
            if name not in types:
                types.append(name)
            codes.append(types.index(name))
        main.append(np.array(codes, dtype=np.int8))
    school = np.array([i for i, v in enumerate(types) if v and "School" in v], dtype=np.int8)
    return _Vocab(
        types, main, _index_of(profiles, "missing"), _index_of(profiles, "short_breaks"), school
    )


def _record_fields(
    rng: np.random.Generator,
    rec: dict[str, np.ndarray],
    ep: dict[str, np.ndarray],
    vocab: _Vocab,
) -> dict[str, np.ndarray]:
    """Contact type, seen and quality fields, episode link and worker of some records."""
    r = len(rec["day"])
    e = rec["ep"]
    kind = rec["kind"]
    ptype = ep["ptype"][e]

    def uniform() -> np.ndarray:
        return rng.random(r, dtype=np.float32)

    def pick(codes: Sequence[int], weights: Sequence[float]) -> np.ndarray:
        return np.asarray(codes, dtype=np.int8)[_choose(rng, r, weights)]

    type_code = np.zeros(r, dtype=np.int8)
    # Any-filter phases (early help's first contact, care leavers past 20) are often calls.
    contact = (kind == 1) | (rec["any"] & (uniform() < 0.45))
    calls = 1 + _choose(rng, r, _CONTACT_WEIGHTS)
    type_code[contact] = calls[contact]
    for t, codes in enumerate(vocab.main):
        rows = np.flatnonzero((ptype == t) & ~contact)
        type_code[rows] = codes[_choose(rng, rows.size, _decreasing(codes.size))]
    is_rhi = ptype == vocab.rhi

    visit = ~contact & (kind == 0)
    no_access = kind == 2
    seen = np.where(visit, pick((1, 0, 2), (0.88, 0.08, 0.04)), 0)
    seen = np.where(no_access, pick((3, 4, 5), (0.5, 0.35, 0.15)), seen).astype(np.int8)

    # Seen alone from age 4; a baby is recorded as not alone or not at all.
    older = (rec["day"] - ep["dob"][e]) >= 4 * 365
    alone = np.where(older, pick((1, 2, 0), (0.75, 0.12, 0.13)), pick((2, 0), (0.55, 0.45)))
    alone = np.where(visit, alone, 0).astype(np.int8)

    loc = pick((1, 2, 3, 4, 0), (0.82, 0.04, 0.03, 0.02, 0.09))
    loc = np.where(np.isin(type_code, vocab.school), 2, loc)
    loc = np.where(no_access, 1, np.where(visit, loc, 0)).astype(np.int8)

    bedroom = pick((1, 2, 0), (0.8, 0.08, 0.12))
    bedroom = np.where(visit & (loc == 1), bedroom, np.where(visit, pick((2, 0), (1, 1)), 0))

    # Short-break visits are often unannounced; other visits rarely, and seldom recorded.
    short = ptype == vocab.short_breaks
    unannounced = np.where(short, pick((1, 2), (1, 1)), pick((1, 2, 0), (0.03, 0.2, 0.77)))
    unannounced = np.where(visit, unannounced, 0)

    u = uniform()
    linked = np.where(is_rhi, u < 0.9, np.where(kind == 0, u < 0.65, u < 0.45))

    cover = ep["team"][e] * _WORKERS_PER_TEAM + rng.integers(0, _WORKERS_PER_TEAM, r)
    worker = np.where(uniform() < 0.88, ep["worker"][e], cover)

    # A time of day on some records: 08:00 to 18:55 in five-minute steps.
    timed = uniform() < 0.3
    minute = rng.integers(0, 11 * 12, r, dtype=np.int16)
    return {
        "type": type_code, "seen": seen, "alone": alone, "loc": loc,
        "bedroom": bedroom.astype(np.int8), "unannounced": unannounced.astype(np.int8),
        "linked": linked, "worker": worker, "timed": timed, "minute": minute,
    }  # fmt: skip


def _index_of(profiles: list[_Profile], name: str) -> int:
    prof = _PROFILES.get(name)
    return next((i for i, p in enumerate(profiles) if p is prof), -1)


# --- writing -----------------------------------------------------------------------------


def _date_strings(first: int, last: int) -> tuple[int, pa.Array]:
    """dd/mm/yyyy for every day from ``first`` to ``last`` (day numbers), and ``first``."""
    days = np.arange(first, last + 1).astype("datetime64[D]")
    iso = pa.array(np.datetime_as_string(days))
    parts = pc.split_pattern(iso, "-")
    text = pc.binary_join_element_wise(
        pc.list_element(parts, 2), pc.list_element(parts, 1), pc.list_element(parts, 0), "/"
    )
    return first, text


def _dates(days: tuple[int, pa.Array], values: np.ndarray) -> pa.Array:
    first, text = days
    blank = values >= _NEVER
    idx = np.where(blank, 0, values - first)
    return text.take(pa.array(idx, mask=blank))


# No value needs quoting; the header line is written as it is (older Arrow
# releases would quote every column name).
_WRITE = pacsv.WriteOptions(quoting_style="none", include_header=False)


def _csv_file(path: Path, header: tuple[str, ...] | list[str]) -> pa.NativeFile:
    """``path`` opened for Arrow's CSV writer, its header line already written."""
    out = pa.OSFile(str(path), "wb")
    out.write((",".join(header) + "\n").encode())
    return out


def _write_cases(
    path: Path,
    ep: dict[str, np.ndarray],
    dob: np.ndarray,
    child_ids: pa.Array,
    episode_ids: pa.Array,
    profiles: list[_Profile],
    days: tuple[int, pa.Array],
    rng: np.random.Generator,
) -> None:
    m = len(ep["child"])
    labels: list[str] = []
    label_code = np.zeros(m, dtype=np.int64)
    for t, prof in enumerate(profiles):
        rows = np.flatnonzero(ep["ptype"] == t)
        offset = len(labels)
        labels.extend(prof.labels)
        label_code[rows] = offset + _choose(rng, rows.size, _decreasing(len(prof.labels)))
    freq = ep["frequency"]
    columns = [
        child_ids.take(pa.array(ep["child"])),
        episode_ids,
        pa.array(labels).take(pa.array(label_code)),
        _dates(days, ep["start"]),
        _dates(days, ep["end"]),
        _dates(days, dob[ep["child"]]),
        _dates(days, ep["review"]),
        _dates(days, ep["reduced"]),
        _dates(days, ep["decision"]),
        pa.array(_FREQUENCIES).take(pa.array(np.maximum(freq, 0), mask=freq < 0)),
        pa.array(WORKERS).take(pa.array(ep["worker"])),
        pa.array(TEAMS).take(pa.array(ep["team"])),
    ]
    with _csv_file(path, CASES_HEADER) as out:
        pacsv.write_csv(pa.table(columns, names=list(CASES_HEADER)), out, _WRITE)


def _write_visits(
    path: Path,
    rng: np.random.Generator,
    rec: dict[str, np.ndarray],
    ep: dict[str, np.ndarray],
    profiles: list[_Profile],
    child_ids: pa.Array,
    episode_ids: pa.Array,
    days: tuple[int, pa.Array],
) -> None:
    """Write the records a chunk at a time, drawing their other fields chunk by chunk."""
    vocab = _vocab(profiles)
    types = pa.array(vocab.types, pa.string())
    seen = pa.array(_SEEN, pa.string())
    yn = pa.array(_YN, pa.string())
    locations = pa.array(_LOCATIONS, pa.string())
    workers = pa.array(WORKERS)
    times = pa.array([f"{h:02d}:{m:02d}" for h in range(8, 19) for m in range(0, 60, 5)])
    schema = pa.schema([(name, pa.string()) for name in VISITS_HEADER])
    with (
        _csv_file(path, VISITS_HEADER) as out,
        pacsv.CSVWriter(out, schema, write_options=_WRITE) as writer,
    ):
        for lo in range(0, len(rec["day"]), _CHUNK_ROWS):
            chunk = {k: v[lo : lo + _CHUNK_ROWS] for k, v in rec.items()}
            f = _record_fields(rng, chunk, ep, vocab)
            e = chunk["ep"]
            date = _dates(days, chunk["day"])
            with_time = pc.binary_join_element_wise(date, times.take(f["minute"]), " ")
            columns = [
                child_ids.take(ep["child"][e]),
                pc.if_else(f["timed"], with_time, date),
                types.take(f["type"]),
                seen.take(f["seen"]),
                yn.take(f["alone"]),
                locations.take(f["loc"]),
                yn.take(f["bedroom"]),
                yn.take(f["unannounced"]),
                episode_ids.take(pa.array(e, mask=~f["linked"])),
                workers.take(f["worker"]),
            ]
            writer.write_table(pa.table(columns, schema=schema))
