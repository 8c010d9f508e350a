"""Read a framework TOML file into a validated :class:`Framework`.

Every mistake raises FrameworkError naming the file and the key, e.g.
``barnsley.toml: plan_types.child_in_need.phases[0].every: '4 wekks' is not a duration``.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from visit_audit.calendar import Duration, parse_day
from visit_audit.errors import FrameworkError
from visit_audit.frameworks.model import (
    COUNT_CONDITIONS,
    DATE_COLUMNS,
    FILTERS,
    QUALITY_CHECKS,
    Boundary,
    CountWindow,
    Framework,
    InitialDeadline,
    Milestone,
    Phase,
    PlanType,
    QualityRules,
)
from visit_audit.plan_types import normalise_name

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLAN_KEYS = {
    "label",
    "start",
    "end",
    "note",
    "initial",
    "initial_filter",
    "initial_requirements",
    "phases",
    "counts",
    "milestones",
    "no_rule",
    "aliases",
}


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str) -> FrameworkError:
        return FrameworkError(f"{self.file}: {key}: {problem}")

    def table(self, value: Any, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value

    def keys(self, value: dict, key: str, allowed: set[str]) -> None:
        for k in value:
            if k not in allowed:
                raise self.fail(
                    f"{key}.{k}" if key else k,
                    f"unknown key (expected one of: {', '.join(sorted(allowed))})",
                )

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def duration(self, value: Any, key: str) -> Duration:
        if not isinstance(value, str):
            raise self.fail(key, "must be a duration string such as '10 working days'")
        try:
            return Duration.parse(value)
        except ValueError as e:
            raise self.fail(key, str(e)) from None

    def filter(self, value: Any, key: str) -> str:
        if value not in FILTERS:
            raise self.fail(
                key, f"'{value}' is not a filter (expected one of: {', '.join(FILTERS)})"
            )
        return value

    def column(self, value: str, key: str) -> str:
        name = "start_date" if value == "start" else value
        if name not in DATE_COLUMNS:
            raise self.fail(
                key,
                f"'{value}' is not a case date column (expected start or one of: {', '.join(DATE_COLUMNS)})",
            )
        return name

    def boundary(self, value: Any, key: str) -> Boundary:
        """Parse ``start + 4 weeks``, ``first_review_date``, ``later of start + 1 year and reduced_frequency_date``."""
        text = self.text(value, key)
        low = text.lower()
        if low.startswith("later of "):
            parts = re.split(r"\s+and\s+", text[len("later of ") :])
            if len(parts) < 2:
                raise self.fail(key, f"'{text}': 'later of' needs two dates joined by 'and'")
            return Boundary(later_of=tuple(self.boundary(p, key) for p in parts))
        column, _, offset = (s.strip() for s in text.partition("+"))
        return Boundary(
            column=self.column(column, key),
            offset=self.duration(offset, key) if offset else None,
        )


def _initial_requirement(d: Duration, filter_: str) -> str:
    verb = "Contacted" if filter_ == "any" else "Seen"
    return f"{verb} within {d} of the start" if d.n else f"{verb} on the start day"


def _plan_type(ctx: _Ctx, name: str, raw: Any) -> PlanType:
    key = f"plan_types.{name}"
    if not _NAME.match(name):
        raise ctx.fail(key, "plan type names are lower case with underscores, e.g. child_in_need")
    raw = ctx.table(raw, key)
    ctx.keys(raw, key, _PLAN_KEYS)
    no_rule = raw.get("no_rule", False)
    if not isinstance(no_rule, bool):
        raise ctx.fail(f"{key}.no_rule", "must be true or false")

    initial_filter = ctx.filter(raw.get("initial_filter", "seen"), f"{key}.initial_filter")
    initial_raw = raw.get("initial", [])
    if not isinstance(initial_raw, list):
        raise ctx.fail(f"{key}.initial", 'must be a list of durations, e.g. ["0 days", "7 days"]')
    labels = raw.get("initial_requirements", [])
    if not isinstance(labels, list) or (labels and len(labels) != len(initial_raw)):
        raise ctx.fail(f"{key}.initial_requirements", "must be a list as long as initial")
    initial = []
    for i, v in enumerate(initial_raw):
        d = ctx.duration(v, f"{key}.initial[{i}]")
        label = ctx.text(labels[i], f"{key}.initial_requirements[{i}]") if labels else None
        initial.append(InitialDeadline(d, label or _initial_requirement(d, initial_filter)))

    phases = []
    phases_raw = raw.get("phases", [])
    if not isinstance(phases_raw, list):
        raise ctx.fail(f"{key}.phases", "must be an array of tables ([[plan_types.NAME.phases]])")
    for i, p in enumerate(phases_raw):
        pk = f"{key}.phases[{i}]"
        p = ctx.table(p, pk)
        ctx.keys(p, pk, {"every", "until", "filter", "requirement"})
        if "every" not in p:
            raise ctx.fail(f"{pk}.every", 'missing: how often, e.g. every = "6 weeks"')
        interval = ctx.duration(p["every"], f"{pk}.every")
        last = i == len(phases_raw) - 1
        if "until" not in p and not last:
            raise ctx.fail(f"{pk}.until", "missing: every phase but the last needs an until date")
        if "until" in p and last:
            raise ctx.fail(
                f"{pk}.until", "the last phase runs to the end of the episode: remove until"
            )
        until = ctx.boundary(p["until"], f"{pk}.until") if "until" in p else None
        filter_ = ctx.filter(p.get("filter", "seen"), f"{pk}.filter")
        default = (
            f"Seen at least every {interval}"
            if filter_ == "seen"
            else f"Contact at least every {interval}"
        )
        if until is not None:
            default += f" until {until}"
        requirement = (
            ctx.text(p["requirement"], f"{pk}.requirement") if "requirement" in p else default
        )
        phases.append(Phase(interval, until, filter_, requirement))

    counts = []
    for i, c in enumerate(raw.get("counts", [])):
        ck = f"{key}.counts[{i}]"
        c = ctx.table(c, ck)
        ctx.keys(c, ck, {"at_least", "condition", "per", "requirement"})
        n = c.get("at_least")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ctx.fail(f"{ck}.at_least", "must be a whole number of at least 1")
        cond = c.get("condition")
        if cond is not None and cond not in COUNT_CONDITIONS:
            raise ctx.fail(
                f"{ck}.condition", f"'{cond}' is not one of: {', '.join(COUNT_CONDITIONS)}"
            )
        per = ctx.duration(c.get("per", "1 year"), f"{ck}.per")
        if per.unit not in ("years", "months"):
            raise ctx.fail(f"{ck}.per", "count windows are whole months or years, e.g. '1 year'")
        what = {
            None: "seen visits",
            "unannounced": "unannounced seen visits",
            "bedroom_seen": "seen visits with the bedroom seen",
            "seen_alone": "visits with the child seen alone",
            "at_home": "seen visits at home",
        }[cond]
        if n == 1:
            what = what.replace("visits", "visit")
        default = f"At least {n} {what} every {per}"
        req = ctx.text(c["requirement"], f"{ck}.requirement") if "requirement" in c else default
        counts.append(CountWindow(n, cond, per, req))

    milestones = []
    for i, m in enumerate(raw.get("milestones", [])):
        mk = f"{key}.milestones[{i}]"
        m = ctx.table(m, mk)
        ctx.keys(m, mk, {"column", "within", "requirement"})
        col = ctx.column(ctx.text(m.get("column"), f"{mk}.column"), f"{mk}.column")
        within = ctx.duration(m.get("within"), f"{mk}.within")
        default = f"{col.replace('_', ' ').capitalize()} within {within} of the start"
        req = ctx.text(m["requirement"], f"{mk}.requirement") if "requirement" in m else default
        milestones.append(Milestone(col, within, req))

    if no_rule and (initial or phases or counts or milestones):
        raise ctx.fail(
            f"{key}.no_rule", "a plan type with no rule of its own cannot list deadlines"
        )
    if not no_rule and not (initial or phases or counts or milestones):
        raise ctx.fail(
            key, "lists no deadline: add initial, phases, counts or milestones, or no_rule = true"
        )
    return PlanType(
        name=name,
        label=ctx.text(raw.get("label", name.replace("_", " ").capitalize()), f"{key}.label"),
        start_means=ctx.text(raw.get("start", "start date"), f"{key}.start"),
        end_means=raw.get("end", ""),
        note=raw.get("note", ""),
        initial=tuple(initial),
        initial_filter=initial_filter,
        phases=tuple(phases),
        counts=tuple(counts),
        milestones=tuple(milestones),
        no_rule=no_rule,
    )


def parse_framework(data: dict, file: str, parent: Framework | None = None) -> Framework:
    """Validate the parsed TOML of one framework; ``parent`` is the framework it
    extends (README "Tuning a framework"), already loaded."""
    ctx = _Ctx(file)
    ctx.keys(
        data,
        "",
        {"name", "title", "source", "plan_types", "quality", "aliases", "extends", "calendar"},
    )
    name = ctx.text(data.get("name"), "name")
    plan_raw = ctx.table(data.get("plan_types", {} if parent else None), "plan_types")
    if not plan_raw and parent is None:
        raise ctx.fail("plan_types", "no plan types")
    plan_types = dict(parent.plan_types) if parent else {}
    for n, v in plan_raw.items():
        if isinstance(v, dict) and "removed" in v:
            key = f"plan_types.{n}.removed"
            if v["removed"] is not True:
                raise ctx.fail(key, "must be true (or leave the key out)")
            if len(v) > 1:
                raise ctx.fail(f"plan_types.{n}", "a removed plan type takes no other keys")
            if parent is None:
                raise ctx.fail(key, "only a framework that extends another removes plan types")
            if n not in plan_types:
                raise ctx.fail(key, f"'{n}' is not a plan type of {parent.name}")
            del plan_types[n]
        else:
            plan_types[n] = _plan_type(ctx, n, v)
    if not plan_types:
        raise ctx.fail("plan_types", "every plan type was removed: no plan types left")

    aliases: dict[str, tuple[str, ...]] = {}
    if parent:
        aliases = {n: a for n, a in parent.aliases.items() if n in plan_types}
    for n, v in ctx.table(data.get("aliases", {}), "aliases").items():
        if n not in plan_types:
            raise ctx.fail(f"aliases.{n}", "is not a plan type of this framework")
        if not isinstance(v, list) or not all(isinstance(a, str) and normalise_name(a) for a in v):
            raise ctx.fail(f"aliases.{n}", "must be a list of names")
        # A child's spellings add to its parent's.
        aliases[n] = tuple(dict.fromkeys([*aliases.get(n, ()), *v]))

    quality = None
    if parent and parent.quality and "quality" not in data:
        inherited = parent.quality
        kept = tuple(pt for pt in inherited.plan_types if pt in plan_types)
        quality = (
            QualityRules(kept, inherited.checks, inherited.seen_alone_min_age) if kept else None
        )
    if "quality" in data:
        q = ctx.table(data["quality"], "quality")
        ctx.keys(q, "quality", {"plan_types", "checks", "seen_alone_min_age"})
        pts = q.get("plan_types", [])
        if not isinstance(pts, list):
            raise ctx.fail("quality.plan_types", "must be a list of plan types")
        for i, pt in enumerate(pts):
            if pt not in plan_types:
                raise ctx.fail(
                    f"quality.plan_types[{i}]", f"'{pt}' is not a plan type of this framework"
                )
        checks = q.get("checks", list(QUALITY_CHECKS))
        if not isinstance(checks, list):
            raise ctx.fail("quality.checks", "must be a list of checks")
        for i, c in enumerate(checks):
            if c not in QUALITY_CHECKS:
                raise ctx.fail(
                    f"quality.checks[{i}]", f"'{c}' is not one of: {', '.join(QUALITY_CHECKS)}"
                )
        age = q.get("seen_alone_min_age", 4)
        if not isinstance(age, int) or isinstance(age, bool) or age < 0:
            raise ctx.fail("quality.seen_alone_min_age", "must be a whole number of years")
        quality = QualityRules(tuple(pts), tuple(checks), age)

    closed = set(parent.closed_days) if parent else set()
    cal = ctx.table(data.get("calendar", {}), "calendar")
    ctx.keys(cal, "calendar", {"closed"})
    closed_raw = cal.get("closed", [])
    if not isinstance(closed_raw, list):
        raise ctx.fail("calendar.closed", 'must be a list of dates, e.g. ["2025-12-29"]')
    for i, v in enumerate(closed_raw):
        try:
            closed.add(parse_day(v))
        except ValueError as e:
            raise ctx.fail(f"calendar.closed[{i}]", str(e)) from None

    return Framework(
        name=name,
        title=ctx.text(data.get("title", name), "title"),
        source=str(data.get("source", parent.source if parent else "")),
        plan_types=plan_types,
        quality=quality,
        aliases=aliases,
        path=file,
        closed_days=tuple(sorted(closed)),
        extends=(parent.name, *parent.extends) if parent else (),
    )


def builtin_names() -> list[str]:
    """Names of the frameworks shipped with the tool."""
    root = resources.files("visit_audit.frameworks")
    return sorted(
        p.name[: -len(".toml")]
        for p in root.iterdir()
        if p.name.endswith(".toml") and p.name not in _NOT_FRAMEWORKS
    )


# Data files beside the frameworks that are not frameworks.
_NOT_FRAMEWORKS = frozenset({"statutory.toml"})


def load_framework(name_or_path: str | Path) -> Framework:
    """A built-in framework by name, or a user's own framework file (``*.toml``),
    with the frameworks it ``extends`` resolved (README "Tuning a framework")."""
    return _load(str(name_or_path), base=None, chain=())


def _load(ref: str, base: Path | None, chain: tuple[tuple[str, str], ...]) -> Framework:
    """Load ``ref`` (a built-in name, or a path relative to ``base``, the folder of
    the file that extends it); ``chain``: (identity, shown name) of the files
    on the way here, to tell a cycle."""
    if ref in builtin_names():
        res = resources.files("visit_audit.frameworks") / f"{ref}.toml"
        identity, file = f"builtin:{ref}", f"{ref}.toml"
        read = lambda: res.read_text(encoding="utf-8")  # noqa: E731
        folder = None
    else:
        path = Path(ref)
        if base is not None and not path.is_absolute():
            path = base / path
        if path.suffix.lower() != ".toml":
            if chain:
                raise FrameworkError(
                    f"{_chain(chain)}: extends: unknown framework '{ref}' (extended by "
                    f"{chain[-1][1]}): give a built-in name ({', '.join(builtin_names())}) "
                    "or a .toml file relative to the file that extends it"
                )
            raise FrameworkError(
                f"unknown framework '{ref}': choose one of {', '.join(builtin_names())} "
                "or give a framework file ending .toml"
            )
        identity, file = f"file:{path.resolve()}", path.name
        read = lambda: path.read_text(encoding="utf-8")  # noqa: E731
        folder = path.resolve().parent
    if any(identity == seen for seen, _ in chain):
        names = [shown for _, shown in chain] + [file]
        raise FrameworkError(f"{names[0]}: extends: a cycle: {' → '.join(names)}")
    try:
        text = read()
    except OSError as e:
        if chain:
            raise FrameworkError(
                f"{_chain(chain)}: extends: cannot read '{ref}' ({e.strerror}), extended by "
                f"{chain[-1][1]}"
            ) from None
        raise FrameworkError(f"{ref}: cannot read the framework file ({e.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise FrameworkError(f"{file}: not valid TOML ({e})") from None
    parent = None
    if "extends" in data:
        parent_ref = data["extends"]
        if not isinstance(parent_ref, str) or not parent_ref.strip():
            raise FrameworkError(
                f"{file}: extends: must be a framework name or a .toml path, "
                'e.g. extends = "measures-of-practice"'
            )
        parent = _load(parent_ref.strip(), folder, (*chain, (identity, file)))
    return parse_framework(data, file, parent)


def _chain(chain: tuple[tuple[str, str], ...]) -> str:
    return " → ".join(shown for _, shown in chain)
