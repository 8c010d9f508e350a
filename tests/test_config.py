"""The configuration file (README "The configuration file"): every audit option from
a TOML file, the command line winning; paths relative to the file; placeholders;
unknown keys and a password stop the run with exit 2 naming the key."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from visit_audit.cli import app
from visit_audit.config import load_config, month_label
from visit_audit.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
ENV = {"COLUMNS": "80", "NO_COLOR": "1"}
runner = CliRunner()


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env={**ENV, **(env or {})})


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A server's folder: extracts/ beside the config file, reports/ to be made."""
    (tmp_path / "extracts").mkdir()
    for name in ("cases.csv", "visits.csv"):
        shutil.copy(ROOT / "sample_data" / name, tmp_path / "extracts" / name)
    (tmp_path / "reports").mkdir()
    return tmp_path


def write_config(folder: Path, text: str) -> Path:
    path = folder / "visit-audit.toml"
    path.write_text(
        'cases = "extracts/cases.csv"\nvisits = "extracts/visits.csv"\n' + text, encoding="utf-8"
    )
    return path


@pytest.mark.slow  # a whole audit (or several)
def test_paths_in_the_file_are_relative_to_its_folder_and_placeholders_are_filled(
    site: Path, tmp_path_factory, monkeypatch
):
    config = write_config(
        site,
        'month = "2026-10"\nframework = "barnsley"\nquiet = true\n'
        'json = "reports/{framework}-{month}-{as_of}-{team}.json"\n',
    )
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))  # not the config file's folder
    result = run("audit", "--config", config)
    assert result.exit_code == 0, result.output
    written = site / "reports" / "barnsley-2026-10-2026-10-31-all.json"
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["framework"] == "barnsley"
    assert data["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert (written.stat().st_mode & 0o777) == 0o600


@pytest.mark.slow  # a whole audit (or several)
def test_an_option_on_the_command_line_wins_over_the_file(site: Path):
    config = write_config(
        site, 'month = "2026-10"\nquiet = true\njson = "reports/from-file.json"\n'
    )
    out = site / "given.json"
    result = run("audit", "--config", config, "--json", out, "--month", "2026-09")
    assert result.exit_code == 0, result.output
    assert not (site / "reports" / "from-file.json").exists()
    assert json.loads(out.read_text())["period"] == {"from": "2026-09-01", "to": "2026-09-30"}


@pytest.mark.slow  # a whole audit (or several)
def test_the_extracts_on_the_command_line_win_too(site: Path, tmp_path_factory):
    config = site / "only-options.toml"
    config.write_text('month = "2026-10"\nquiet = true\nfail_on = ["overdue"]\n')
    result = run(
        "audit", ROOT / "sample_data/cases.csv", ROOT / "sample_data/visits.csv", "--config", config
    )
    assert result.exit_code == 1  # fail_on from the file: the sample has overdue visits


@pytest.mark.slow  # a whole audit (or several)
def test_the_environment_variable_names_the_config_file(site: Path):
    config = write_config(site, 'month = "2026-10"\nquiet = true\nfail_on = "overdue"\n')
    result = run("audit", env={"VISIT_AUDIT_CONFIG": str(config)})
    assert result.exit_code == 1, result.output


@pytest.mark.slow  # a whole audit (or several)
def test_thresholds_and_fail_on_as_lists(site: Path):
    config = write_config(
        site, 'thresholds = [99, 98]\nfail_on = ["rejected", "overdue"]\nmonth = "2026-10"\n'
    )
    loaded = load_config(config)
    assert loaded.defaults["thresholds"] == "99,98"
    assert loaded.defaults["fail_on"] == "rejected,overdue"
    assert run("audit", "--config", config, "--quiet").exit_code == 1


def test_month_previous_is_the_month_before_today():
    from visit_audit.pipeline import resolve_period

    as_of, period = resolve_period(None, "previous", None, None, today=dt.date(2026, 1, 15))
    assert period == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert month_label(as_of, period) == "2025-12"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tresholds = [95, 80]\n", ["unknown key 'tresholds'", "did you mean 'thresholds'"]),
        ('[split]\nby = "team"\nfoldr = "x"\n', ["unknown key 'split.foldr'", "'split.folder'"]),
        (
            '[email]\nhost = "smtp.example.gov.uk"\nfrom = "a@example.gov.uk"\nusrname = "x"\n',
            ["unknown key 'email.usrname'", "'email.username'"],
        ),
        ('report = "r-{mnth}.xlsx"\n', ["report: unknown placeholder {mnth}"]),
        ('month = "October"\n', ["month: 'October' is not a month"]),
        ("thresholds = [95]\n", ["thresholds must be two percentages"]),
        (
            '[email]\nhost = "smtp.example.gov.uk"\nfrom = "a@example.gov.uk"\n'
            '[email.to]\n"North" = "not an address"\n',
            ["email.to.North: 'not an address' is not an e-mail address"],
        ),
        (
            '[email]\nhost = "smtp.example.gov.uk"\nsecurity = "none"\nfrom = "a@example.gov.uk"\n',
            ['security = "none"', "loopback"],
        ),
    ],
)
def test_a_mistake_in_the_file_stops_the_run_with_exit_2_naming_the_key(
    site: Path, text: str, words: list[str]
):
    config = write_config(site, text)
    result = run("audit", "--config", config)
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    for word in words:
        assert word in message
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "text",
    [
        'password = "hunter2"\n',
        '[email]\nhost = "smtp.example.gov.uk"\nfrom = "a@example.gov.uk"\npassword = "hunter2"\n',
    ],
)
def test_a_password_in_the_file_is_refused(site: Path, text: str):
    config = write_config(site, text)
    result = run("audit", "--config", config)
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "never put a password in this file" in message
    assert "password_env" in message
    assert "hunter2" not in result.output


def test_a_missing_config_file_is_exit_2(tmp_path: Path):
    result = run("audit", "--config", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "nope.toml does not exist" in result.output


def test_history_is_a_known_key_kept_for_the_history_option(site: Path):
    loaded = load_config(write_config(site, 'history = "history.sqlite"\n'))
    assert loaded.history == site / "history.sqlite"


@pytest.mark.slow  # a whole audit (or several)
def test_the_history_from_the_file_records_the_run_beside_the_file(site: Path):
    config = write_config(site, 'history = "history.sqlite"\nmonth = "2026-10"\nquiet = true\n')
    result = run("audit", "--config", config)
    assert result.exit_code == 0, result.output
    assert (site / "history.sqlite").exists()


def test_the_shipped_example_config_reads(monkeypatch):
    loaded = load_config(ROOT / "examples" / "visit-audit.toml")
    assert loaded.email is not None and loaded.email.security == "starttls"
    assert loaded.defaults["split_by"] == "team"
    assert "*" in loaded.email.to


def test_email_without_an_email_table_is_exit_2(site: Path):
    config = write_config(site, 'month = "2026-10"\n')
    result = run("audit", "--config", config, "--email")
    assert result.exit_code == 2
    assert "[email] table" in " ".join(result.output.split())


def test_the_password_environment_variable_must_be_set_before_anything_runs(site: Path):
    config = write_config(
        site,
        'month = "2026-10"\n[email]\nhost = "smtp.example.gov.uk"\nfrom = "a@example.gov.uk"\n'
        'username = "svc"\npassword_env = "VA_TEST_UNSET_PASSWORD"\n',
    )
    result = run("audit", "--config", config, "--email", env={"VA_TEST_UNSET_PASSWORD": ""})
    assert result.exit_code == 2
    assert "VA_TEST_UNSET_PASSWORD" in result.output
    assert not list((site / "reports").iterdir())


def test_load_config_errors_are_input_errors(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("cases = [\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(bad)


def test_the_readmes_config_examples_read(tmp_path: Path):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    blocks = [b for b in blocks if b.startswith(("cases =", "[email]"))]  # not the mapping files
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme-{i}.toml"
        path.write_text(block, encoding="utf-8")
        load_config(path)


def test_every_audit_option_has_a_config_key():
    """The file can hold every option of the command, but the run's own switches
    (--config itself, --debug, and --email, which the [email] table cannot mean)."""
    import typer.main

    from visit_audit.config import OPTIONS, SPLIT_KEYS

    command = typer.main.get_command(app).commands["audit"]  # type: ignore[attr-defined]
    names = {p.name for p in command.params}
    keys = {v[0] for v in (*OPTIONS.values(), *SPLIT_KEYS.values())} | {"outbox"}
    assert names - keys == {"config_file", "debug", "email"}
    assert keys <= names


def test_an_ssd_folder_is_beside_the_file_and_a_url_stays_as_it_is(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('ssd = "ssd-tables"\n')
    assert load_config(path).defaults["ssd"] == str(tmp_path / "ssd-tables")
    path.write_text('ssd = "sqlite:///ssd.db"\n')
    assert load_config(path).defaults["ssd"] == "sqlite:///ssd.db"


@pytest.mark.slow  # a whole audit (or several)
def test_extracts_on_the_command_line_win_over_the_files_ssd(tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text('ssd = "ssd-tables"\nmonth = "2026-10"\nquiet = true\n')
    sample = ROOT / "sample_data"
    result = run("audit", sample / "cases.csv", sample / "visits.csv", "--config", config)
    assert result.exit_code == 0, result.output


@pytest.mark.slow  # a whole audit (or several)
def test_no_quiet_on_the_command_line_wins_over_quiet_in_the_file(site: Path):
    config = write_config(site, 'month = "2026-10"\nquiet = true\n')
    assert run("audit", "--config", config).stdout == ""
    shown = run("audit", "--config", config, "--no-quiet")
    assert shown.exit_code == 0, shown.output
    assert "Visit audit:" in shown.stdout
