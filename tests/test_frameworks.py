"""Frameworks as data: TOML files, never Python (docs/frameworks.md).

The two built-in frameworks encode docs/frameworks.md exactly; a user's own framework file loads
from a path; a malformed file stops with one line naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from visit_audit.calendar import Duration
from visit_audit.cli import app
from visit_audit.errors import FrameworkError, VisitAuditError
from visit_audit.frameworks import Boundary, builtin_names, load_framework

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"

WD = "working_days"


def d(n: int, unit: str) -> Duration:
    return Duration(n, unit)


# What docs/frameworks.md says, plan type by plan type: initial durations, the initial
# filter, phases as (interval, str(until) or None, filter), count windows as (at least,
# condition, per), milestones as (column, within), and whether it has no rule of its own.
MOP = {
    "early_help": {
        "initial": [d(5, WD)],
        "initial_filter": "any",
        "phases": [(d(4, "weeks"), None, "seen")],
    },
    "referral": {"milestones": [("decision_date", d(1, WD))]},
    "s47_enquiry": {"initial": [d(2, WD)]},
    "child_in_need": {"phases": [(d(20, WD), None, "seen")]},
    "child_protection": {"initial": [d(48, "hours")], "phases": [(d(10, WD), None, "seen")]},
    "child_in_care": {
        "initial": [d(0, "days"), d(7, "days")],
        "phases": [
            (d(1, "weeks"), "start + 4 weeks", "seen"),
            (d(6, "weeks"), "the later of start + 1 year and reduced_frequency_date", "seen"),
            (d(3, "months"), None, "seen"),
        ],
    },
    "short_breaks": {
        "initial": [d(7, "days"), d(3, "months")],
        "phases": [(d(6, "months"), None, "seen")],
        "counts": [
            (2, None, d(1, "years")),
            (1, "unannounced", d(1, "years")),
            (1, "bedroom_seen", d(1, "years")),
        ],
    },  # fmt: skip
    "adoption": {
        "initial": [d(7, "days")],
        "phases": [
            (d(1, "weeks"), "first_review_date", "seen"),
            (d(6, "weeks"), "first_review_date + 1 year", "seen"),
            (d(3, "months"), None, "seen"),
        ],
    },
    "private_fostering": {
        "initial": [d(7, "days")],
        "phases": [(d(6, "weeks"), "start + 1 year", "seen"), (d(12, "weeks"), None, "seen")],
    },
    "temporary_approval": {
        "phases": [(d(1, "weeks"), "first_review_date", "seen"), (d(4, "weeks"), None, "seen")],
    },
    "care_order_at_home": {
        "initial": [d(7, "days")],
        "phases": [
            (d(6, "weeks"), "the later of start + 1 year and reduced_frequency_date", "seen"),
            (d(3, "months"), None, "seen"),
        ],
    },
    "missing": {"initial": [d(72, "hours")]},
    "care_leaver": {
        "phases": [
            (d(2, "months"), "date_of_birth + 20 years", "seen"),
            (d(6, "months"), None, "any"),
        ],
    },
    "multiple_placements": {"phases": [(d(12, "weeks"), None, "seen")]},
}

BARNSLEY = {
    "s47_enquiry": {"initial": [d(24, "hours")]},
    "s17_assessment": {"initial": [d(5, WD)]},
    "child_in_need": {"phases": [(d(4, "weeks"), None, "seen")]},
    "child_protection": {"initial": [d(48, "hours")], "phases": [(d(10, WD), None, "seen")]},
    "temporary_approval": {
        "phases": [(d(1, "weeks"), "first_review_date", "seen"), (d(4, "weeks"), None, "seen")],
    },
    "care_order_at_home": {
        "initial": [d(7, "days")],
        "phases": [(d(1, "weeks"), "first_review_date", "seen"), (d(4, "weeks"), None, "seen")],
    },
    "missing": {"initial": [d(72, "hours")]},
    "exploitation": {"no_rule": True},
}

EXPECTED = {"measures-of-practice": MOP, "barnsley": BARNSLEY}
CASES = [(fw, pt) for fw, table in EXPECTED.items() for pt in table]


@pytest.fixture(scope="module")
def frameworks():
    return {name: load_framework(name) for name in EXPECTED}


def test_builtin_names():
    assert builtin_names() == ["barnsley", "measures-of-practice"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_framework_lists_exactly_the_plan_types_of_section_5(frameworks, name):
    fw = frameworks[name]
    assert fw.name == name
    assert list(fw.plan_types) == list(EXPECTED[name])
    assert fw.title and fw.source


@pytest.mark.parametrize(("framework", "plan_type"), CASES)
def test_builtin_plan_type_encodes_section_5(frameworks, framework, plan_type):
    want = EXPECTED[framework][plan_type]
    pt = frameworks[framework].plan_types[plan_type]
    assert pt.name == plan_type
    assert [i.within for i in pt.initial] == want.get("initial", [])
    assert pt.initial_filter == want.get("initial_filter", "seen")
    assert [
        (p.interval, None if p.until is None else str(p.until), p.filter) for p in pt.phases
    ] == want.get("phases", [])
    assert [(c.minimum, c.condition, c.window) for c in pt.counts] == want.get("counts", [])
    assert [(m.column, m.within) for m in pt.milestones] == want.get("milestones", [])
    assert pt.no_rule is want.get("no_rule", False)
    # Every rule has a requirement a performance officer can read.
    for rule in (*pt.initial, *pt.phases, *pt.counts, *pt.milestones):
        assert rule.requirement.strip()
    assert pt.label.strip() and pt.start_means.strip()


def test_child_in_care_six_weekly_phase_ends_on_the_later_of_two_dates(frameworks):
    until = frameworks["measures-of-practice"].plan_types["child_in_care"].phases[1].until
    assert until.later_of == (
        Boundary("start_date", d(1, "years")),
        Boundary("reduced_frequency_date"),
    )
    assert until.columns() == ("start_date", "reduced_frequency_date")


@pytest.mark.parametrize(
    ("framework", "expected"),
    [
        # docs/rules.md "Phases and until dates": the columns the framework expects (a
        # warning counts episodes lacking them); reduced_frequency_date inside "later of"
        # is optional.
        (
            "measures-of-practice",
            {"adoption": ("first_review_date",), "temporary_approval": ("first_review_date",),
             "care_leaver": ("date_of_birth",)},
        ),
        (
            "barnsley",
            {"temporary_approval": ("first_review_date",),
             "care_order_at_home": ("first_review_date",)},
        ),
    ],
)  # fmt: skip
def test_boundary_columns_the_spec_expects(frameworks, framework, expected):
    got = {n: pt.boundary_columns for n, pt in frameworks[framework].plan_types.items()}
    assert {n: c for n, c in got.items() if c} == expected


def test_barnsley_quality_rules(frameworks):
    q = frameworks["barnsley"].quality
    assert q is not None
    assert q.plan_types == (
        "child_in_need",
        "child_protection",
        "temporary_approval",
        "care_order_at_home",
    )
    assert q.checks == ("seen_alone", "at_home", "bedroom_seen")
    assert q.seen_alone_min_age == 4


def test_measures_of_practice_has_no_quality_rules(frameworks):
    assert frameworks["measures-of-practice"].quality is None


def test_only_barnsley_exploitation_has_no_rule(frameworks):
    no_rule = [
        (fw.name, n) for fw in frameworks.values() for n, pt in fw.plan_types.items() if pt.no_rule
    ]
    assert no_rule == [("barnsley", "exploitation")]


# --- A user's own framework file ------------------------------------------------------


def test_user_framework_file_loads_from_a_path():
    path = FIXTURES / "northshire.toml"
    fw = load_framework(str(path))
    assert fw.name == "northshire"
    assert fw.path == "northshire.toml"
    assert list(fw.plan_types) == ["child_in_need", "child_in_care", "referral", "exploitation"]
    cin = fw.plan_types["child_in_need"]
    assert [i.within for i in cin.initial] == [d(5, WD)]
    assert [(p.interval, str(p.until) if p.until else None) for p in cin.phases] == [
        (d(2, "weeks"), "start + 3 months"),
        (d(4, "weeks"), None),
    ]
    cic = fw.plan_types["child_in_care"]
    assert cic.initial_filter == "any"
    assert [i.within for i in cic.initial] == [d(0, "days"), d(1, "weeks")]
    assert [(str(p.until) if p.until else None, p.filter) for p in cic.phases] == [
        ("first_review_date + 2 weeks", "seen"),
        ("the later of start + 1 year and reduced_frequency_date", "seen"),
        (None, "any"),
    ]
    assert cic.phases[2].requirement == "Contact at least quarterly once agreed at review"
    assert [(c.minimum, c.condition, c.window) for c in cic.counts] == [
        (1, "bedroom_seen", d(6, "months"))
    ]
    assert cic.boundary_columns == ("first_review_date",)
    assert [(m.column, m.within) for m in fw.plan_types["referral"].milestones] == [
        ("decision_date", d(24, "hours"))
    ]
    assert fw.plan_types["exploitation"].no_rule
    assert fw.aliases == {"child_in_care": ("Looked After Child (Northshire)",)}
    assert fw.quality.plan_types == ("child_in_need",)
    assert fw.quality.checks == ("seen_alone", "bedroom_seen")
    assert fw.quality.seen_alone_min_age == 5


def test_user_framework_file_loads_from_a_path_with_an_upper_case_suffix(tmp_path):
    path = tmp_path / "Local.TOML"
    path.write_text((FIXTURES / "northshire.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_framework(str(path)).name == "northshire"


# --- Malformed framework files: one line naming the file and the key -------------------

HEAD = 'name = "local"\n'
CIN = '[plan_types.child_in_need]\n[[plan_types.child_in_need.phases]]\nevery = "4 weeks"\n'
TWO_PHASES = (
    "[plan_types.child_in_need]\n"
    '[[plan_types.child_in_need.phases]]\nevery = "1 week"\n{first}'
    '[[plan_types.child_in_need.phases]]\nevery = "4 weeks"\n{last}'
)

BAD = {
    "unknown top-level key": (HEAD + 'colour = "red"\n' + CIN, "colour"),
    "unknown plan type key": (
        HEAD + CIN + '[plan_types.s47_enquiry]\ninitial = ["1 day"]\nevry = "2 days"\n',
        "plan_types.s47_enquiry.evry",
    ),
    "unknown phase key": (HEAD + CIN + 'untill = "start + 1 year"\n',
                          "plan_types.child_in_need.phases[0].untill"),
    "bad duration": (HEAD + CIN.replace("4 weeks", "4 wekks"),
                     "plan_types.child_in_need.phases[0].every"),
    "bad initial duration": (HEAD + '[plan_types.missing]\ninitial = ["72 hours", "soon"]\n',
                             "plan_types.missing.initial[1]"),
    "duration not a string": (HEAD + CIN.replace('"4 weeks"', "28"),
                              "plan_types.child_in_need.phases[0].every"),
    "bad phase filter": (HEAD + CIN + 'filter = "phone"\n',
                         "plan_types.child_in_need.phases[0].filter"),
    "bad initial filter": (HEAD + '[plan_types.eh]\ninitial = ["5 working days"]\n'
                           'initial_filter = "contact"\n', "plan_types.eh.initial_filter"),
    "last phase with until": (
        HEAD + TWO_PHASES.format(
            first='until = "start + 4 weeks"\n', last='until = "start + 1 year"\n'
        ),
        "plan_types.child_in_need.phases[1].until",
    ),
    "non-last phase without until": (
        HEAD + TWO_PHASES.format(first="", last=""), "plan_types.child_in_need.phases[0].until"
    ),
    "unknown until column": (
        HEAD + TWO_PHASES.format(first='until = "review_date + 1 year"\n', last=""),
        "plan_types.child_in_need.phases[0].until",
    ),
    "bad until offset": (
        HEAD + TWO_PHASES.format(first='until = "start + 4 wekks"\n', last=""),
        "plan_types.child_in_need.phases[0].until",
    ),
    "later of with one date": (
        HEAD + TWO_PHASES.format(first='until = "later of start + 1 year"\n', last=""),
        "plan_types.child_in_need.phases[0].until",
    ),
    "bad count condition": (
        HEAD + '[plan_types.short_breaks]\n[[plan_types.short_breaks.counts]]\n'
        'at_least = 1\ncondition = "surprise"\n',
        "plan_types.short_breaks.counts[0].condition",
    ),
    "count of zero": (
        HEAD + "[plan_types.short_breaks]\n[[plan_types.short_breaks.counts]]\nat_least = 0\n",
        "plan_types.short_breaks.counts[0].at_least",
    ),
    "count window in weeks": (
        HEAD + '[plan_types.short_breaks]\n[[plan_types.short_breaks.counts]]\n'
        'at_least = 1\nper = "2 weeks"\n',
        "plan_types.short_breaks.counts[0].per",
    ),
    "unknown milestone column": (
        HEAD + '[plan_types.referral]\n[[plan_types.referral.milestones]]\n'
        'column = "outcome_date"\nwithin = "1 working day"\n',
        "plan_types.referral.milestones[0].column",
    ),
    "quality naming an unknown plan type": (
        HEAD + CIN + '[quality]\nplan_types = ["child_in_need", "child_in_care"]\n',
        "quality.plan_types[1]",
    ),
    "unknown quality check": (HEAD + CIN + '[quality]\nchecks = ["seen_alone", "smiling"]\n',
                              "quality.checks[1]"),
    "plan type with no rules": (HEAD + CIN + '[plan_types.child_in_care]\nlabel = "CiC"\n',
                                "plan_types.child_in_care"),
    "no rule but deadlines": (HEAD + CIN + '[plan_types.exploitation]\nno_rule = true\n'
                              'initial = ["7 days"]\n', "plan_types.exploitation.no_rule"),
    "plan type name not snake case": (HEAD + CIN.replace("child_in_need", "Child-In-Need"),
                                      "plan_types.Child-In-Need"),
    "no plan types": (HEAD, "plan_types"),
    "no name": (CIN, "name"),
    "alias for an unknown plan type": (HEAD + CIN + '[aliases]\nchild_in_care = ["CLA"]\n',
                                       "aliases.child_in_care"),
    "initial not a list": (HEAD + '[plan_types.missing]\ninitial = "72 hours"\n',
                           "plan_types.missing.initial"),
}  # fmt: skip


def _write(tmp_path: Path, text: str, name: str = "northshire-local.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _one_line(e: pytest.ExceptionInfo) -> str:
    message = str(e.value)
    assert "\n" not in message and "\r" not in message, message
    assert isinstance(e.value, VisitAuditError)
    return message


@pytest.mark.parametrize(("text", "key"), list(BAD.values()), ids=list(BAD))
def test_malformed_framework_gives_one_line_naming_file_and_key(tmp_path, text, key):
    path = _write(tmp_path, text)
    with pytest.raises(FrameworkError) as e:
        load_framework(str(path))
    message = _one_line(e)
    assert message.startswith("northshire-local.toml: "), message
    assert f": {key}: " in message, message


def test_bad_duration_message_quotes_the_text(tmp_path):
    path = _write(tmp_path, HEAD + CIN.replace("4 weeks", "4 wekks"))
    with pytest.raises(FrameworkError) as e:
        load_framework(str(path))
    assert _one_line(e) == (
        "northshire-local.toml: plan_types.child_in_need.phases[0].every: "
        "'4 wekks' is not a duration such as '10 working days' or '6 weeks'"
    )


@pytest.mark.parametrize(
    "text",
    [
        'name = "local"\n[plan_types.child_in_need\n',  # unclosed table header
        'name = "local"\nname = "again"\n',  # duplicate key
        'name = local\n',  # bare string
        'name = """unclosed\n\n\n',  # unclosed multi-line string
    ],
)  # fmt: skip
def test_invalid_toml_gives_one_line_naming_the_file(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(FrameworkError) as e:
        load_framework(str(path))
    message = _one_line(e)
    assert message.startswith("northshire-local.toml: not valid TOML"), message
    assert "(at " in message  # where: line and column, or the end of the document


def test_missing_framework_file(tmp_path):
    path = tmp_path / "nowhere" / "absent.toml"
    with pytest.raises(FrameworkError) as e:
        load_framework(str(path))
    message = _one_line(e)
    assert "absent.toml" in message and "cannot read" in message


@pytest.mark.parametrize("name", ["barnsly", "framework.yaml", "measures_of_practice", ""])
def test_unknown_name_that_is_not_a_toml_file(name):
    with pytest.raises(FrameworkError) as e:
        load_framework(name)
    message = _one_line(e)
    assert f"unknown framework '{name}'" in message
    assert "barnsley" in message and "measures-of-practice" in message and ".toml" in message


# --- visit-audit frameworks (CLI) ------------------------------------------------------

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def test_cli_frameworks_lists_the_builtins():
    result = _invoke("frameworks")
    assert result.exit_code == 0, result.output
    for name in builtin_names():
        assert name in result.output
        assert load_framework(name).title in result.output
    assert "14 plan types" in result.output and "8 plan types" in result.output


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_frameworks_show_mentions_every_plan_type(name):
    result = _invoke("frameworks", "show", name)
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output
    for plan_type in EXPECTED[name]:
        assert plan_type in result.output, plan_type


def test_cli_frameworks_show_barnsley_mentions_its_rules():
    out = _invoke("frameworks", "show", "barnsley").output
    for text in ("24 hours", "5 working days", "10 working days", "first_review_date",
                 "4 weeks", "72 hours", "bedroom_seen"):  # fmt: skip
        assert text in out, text


def test_cli_frameworks_show_a_users_file():
    result = _invoke("frameworks", "show", str(FIXTURES / "northshire.toml"))
    assert result.exit_code == 0, result.output
    for plan_type in ("child_in_need", "child_in_care", "referral", "exploitation"):
        assert plan_type in result.output


def test_cli_frameworks_show_a_malformed_file_exits_2_with_one_line(tmp_path):
    path = _write(tmp_path, HEAD + CIN.replace("4 weeks", "4 wekks"))
    result = _invoke("frameworks", "show", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "northshire-local.toml" in lines[0]
    assert "plan_types.child_in_need.phases[0].every" in lines[0]
    assert "Traceback" not in result.output
