"""dutybook check: every bad input gets its own message at its exact file, line and column."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.loader import load_tree

FIXTURES = Path(__file__).parent.parent / "fixtures"
TODAY = dt.date(2026, 11, 21)
# invalid cases named site-… replace the valid tree's site document instead of joining it
SITE_CASE = "site-"

# One case per file in tests/fixtures/sop/invalid/, added to a copy of the valid tree.
# Pinned word for word: error text is part of the interface.
EXPECTED = {
    "area-missing-in-site": [
        'sop/area-missing-in-site.yaml:9:9: error: areas.0: area "garage" is not defined for site(s) alpha',
    ],
    "bad-alias": [
        "sop/bad-alias.yaml:9:11: error: aliases.0: '火' is not a search alias; expected one word of 2 to 24 characters without spaces, e.g. \"电梯关人\"",
        "sop/bad-alias.yaml:9:14: error: aliases.1: '着火 了' is not a search alias; expected one word of 2 to 24 characters without spaces, e.g. \"电梯关人\"",
    ],
    "bad-date": [
        "sop/bad-date.yaml:7:12: error: invalid YAML: 2026-13-01 is not a real date (month must be in 1..12)",
    ],
    "bad-duration": [
        'sop/bad-duration.yaml:12:15: error: steps.0.time_limit: expected a duration such as "10m", "2h", "3d" or "2wd" (working days), got \'15 分钟\'',
    ],
    "bad-id": [
        "sop/bad-id.yaml:2:1: error: id: 'pro x' is not a valid document id; expected something like \"SEC-PATROL-NIGHT\"",
    ],
    "bad-schedule": [
        'sop/bad-schedule.yaml:9:1: error: schedule: cannot read schedule "每天两次"; write "N/period" (e.g. "2/day") or one of: daily, weekly, half-monthly, monthly, bimonthly, quarterly, half-yearly, yearly, shift, day, week, half_month, month, two_months, quarter, half_year, year',
    ],
    "bad-step-ref": [
        'sop/bad-step-ref.yaml:11:22: error: items.0.sop: procedure "PRO-REPAIR" has no step "9" (it has 2 steps)',
        'sop/bad-step-ref.yaml:12:22: error: items.1.sop: "EMG-FIRE" is an emergency, expected a procedure',
    ],
    "bad-time": [
        "sop/bad-time.yaml:9:39: error: schedule.at.0: '25:00' is not a valid time of day; expected something like \"08:00\" (24-hour, quoted)",
    ],
    "comments-only": [
        "sop/comments-only.yaml:1:1: error: file is empty; expected a document with kind, id and title",
    ],
    "course-module": [
        "sop/course-module.yaml:11:5: error: modules.0: a module names exactly one of doc or page",
        "sop/course-module.yaml:14:5: error: quiz.0: a single-choice question has exactly one answer",
        "sop/course-module.yaml:15:5: error: quiz.1: answer names option 3 but there are only 2 options",
    ],
    "deadline-unit": [
        'sop/deadline-unit.yaml:12:67: error: standards.0.within: within 15m does not fit value 15 and unit "小时"; a deadline says the same time in both, e.g. value: 15, unit: 分钟, within: 15m',
        'sop/deadline-unit.yaml:13:17: error: standards.1.op: a deadline is an upper limit: op must be "≤" or "<", not "="',
        "sop/deadline-unit.yaml:14:5: error: standards.2.within: a deadline names its clock and its length together, e.g. deadline: on_site, within: 15m",
    ],
    "desk-clock-order": [
        "sop/desk-clock-order.yaml:10:104: error: categories.0.respond: respond 2d is longer "
        "than close 24h; the limits run respond ≤ on_site ≤ close",
        "sop/desk-clock-order.yaml:11:111: error: categories.1.on_site: on_site 2h is longer "
        "than close 90m; the limits run respond ≤ on_site ≤ close",
    ],
    "desk-duplicate-category": [
        'sop/desk-duplicate-category.yaml:12:6: error: categories.2.id: duplicate category id "repair"',
    ],
    "desk-no-close": [
        'sop/desk-no-close.yaml:11:5: error: categories.1.close: missing required key "close"; '
        "every category needs a close limit, the longest a ticket may stay open from the "
        "moment it is registered, e.g. close: 24h",
    ],
    "desk-second": [
        'sop/desk-second.yaml:14:1: error: kind: only one desk document is allowed; "SVC-DESK" '
        "is already defined in sop/desk-second.yaml",
    ],
    "desk-unknown-role": [
        'sop/desk-unknown-role.yaml:11:90: error: categories.1.dispatch_to: unknown role "service-lead" (known: engineer, guard, supervisor)',
    ],
    "duplicate-code": [
        'sop/duplicate-code.yaml:15:6: error: checkpoints.2.code: checkpoint "B-01" is already on this route (checkpoints.0)',
    ],
    "duplicate-id": [
        'sop/checklist.yaml:13:94: error: items.0.sop: procedure "PRO-REPAIR" has no step "arrive" (it has 1 step)',
        'sop/checklist.yaml:14:28: error: items.1.sop: procedure "PRO-REPAIR" has no step "2" (it has 1 step)',
        'sop/procedure.yaml:2:1: error: id: duplicate id "PRO-REPAIR" (first defined at sop/duplicate-id.yaml:2)',
    ],
    "duplicate-key": [
        'sop/duplicate-key.yaml:13:1: error: duplicate key "title" (first at line 3)',
    ],
    "empty-file": [
        "sop/empty-file.yaml:1:1: error: file is empty; expected a document with kind, id and title",
    ],
    "empty-steps": [
        "sop/empty-steps.yaml:11:1: error: steps: needs at least 1 item(s)",
    ],
    "escalation-nobody": [
        'sop/escalation-nobody.yaml:11:29: error: first_actions.0.within: expected a duration such as "10m", "2h", "3d" or "2wd" (working days), got \'soon\'',
        "sop/escalation-nobody.yaml:13:5: error: escalation.0: name a role, a contact or a name to escalate to",
    ],
    "invalid-then-valid": [
        'sop/invalid-then-valid.yaml:1:1: error: effective: missing required key "effective"',
        'sop/invalid-then-valid.yaml:1:1: error: owner: missing required key "owner"',
        'sop/invalid-then-valid.yaml:1:1: error: purpose: missing required key "purpose"',
        'sop/invalid-then-valid.yaml:1:1: error: review_by: missing required key "review_by"',
        'sop/invalid-then-valid.yaml:1:1: error: roles: missing required key "roles"',
        'sop/invalid-then-valid.yaml:1:1: error: scope: missing required key "scope"',
        'sop/invalid-then-valid.yaml:1:1: error: steps: missing required key "steps"',
        'sop/invalid-then-valid.yaml:1:1: error: version: missing required key "version"',
        "sop/invalid-then-valid.yaml:3:1: error: title: expected text, got a list",
        'sop/invalid-then-valid.yaml:16:15: error: steps.0.role: unknown role "cleaner" (known: engineer, guard, supervisor)',
    ],
    "item-fields-mismatch": [
        "sop/item-fields-mismatch.yaml:11:5: error: items.0: unit, min and max apply only to items of type number",
        "sop/item-fields-mismatch.yaml:12:5: error: items.1: min (5.0) is greater than max (1.0)",
        "sop/item-fields-mismatch.yaml:13:5: error: items.2: an item of type choice needs a list of options",
        "sop/item-fields-mismatch.yaml:14:22: error: items.3.type: Input should be 'check', 'number', 'text', 'choice' or 'photo', got 'slider'",
    ],
    "missing-field": [
        'sop/missing-field.yaml:1:1: error: purpose: missing required key "purpose"',
    ],
    "missing-kind": [
        'sop/missing-kind.yaml:1:1: error: missing required key "kind"; one of: site, procedure, checklist, patrol, emergency, course, desk',
    ],
    "misspelt-key": [
        'sop/misspelt-key.yaml:13:1: error: titel: unknown key "titel"; did you mean "title"?',
    ],
    "not-a-mapping": [
        "sop/not-a-mapping.yaml:1:1: error: a document must be a mapping with kind, id and title, not a list",
    ],
    "not-utf8": [
        "sop/not-utf8.yaml:2:8: error: file is not UTF-8 text (byte 0xb2); save it as UTF-8",
    ],
    "number-as-text": [
        'sop/number-as-text.yaml:9:1: error: purpose: expected text, got the number 110; put it in quotes: "110"',
    ],
    "on-fail-not-emergency": [
        'sop/on-fail-not-emergency.yaml:11:41: error: items.0.on_fail.emergency: "PRO-REPAIR" is a procedure, expected an emergency',
    ],
    "review-before-effective": [
        "sop/review-before-effective.yaml:8:1: error: review_by: review_by (2025-01-01) must come after effective (2026-01-01)",
    ],
    "review-overdue": [
        "sop/review-overdue.yaml:8:1: warning: review_by: review date 2021-01-01 has passed; review the document and move review_by forward",
    ],
    "schedule-outside-shift": [
        "sop/schedule-outside-shift.yaml:9:56: error: schedule.at.0: 12:00 is outside the shift(s) it names (夜班 20:00–08:00)",
    ],
    "second-site": [
        'sop/site.yaml:1:1: error: kind: only one site document is allowed; "ORG-TWO" is already defined in sop/second-site.yaml',
    ],
    "site-alert-shift": [
        'sop/site-alert-shift.yaml:14:81: error: properties.0.alerts.1.shifts.1: unknown shift "evening" (known: day, night)',
    ],
    "site-alerts": [
        "sop/checklist.yaml:1:1: error: no site document found: roles, sites, areas, shifts and contacts go unchecked",
        'sop/site-alerts.yaml:13:26: error: properties.0.alerts.0.url_env: expected the name of an environment variable, such as "LY_WECOM_URL"; the URL or secret itself goes in that variable on the server, never in the handbook',
        "sop/site-alerts.yaml:14:9: error: properties.0.alerts.1: a dingtalk route names url_env, the environment variable that holds the robot's webhook URL",
        "sop/site-alerts.yaml:15:49: error: properties.0.alerts.2.to.1: 'not-an-address' is not a valid e-mail address; expected something like \"wang@example.com\"",
        "sop/site-alerts.yaml:16:9: error: properties.0.alerts.3: an email route goes through the server's SMTP settings; url_env and secret_env are for robots",
        "sop/site-alerts.yaml:17:9: error: properties.0.alerts.4: secret_env is DingTalk's signing secret; a WeCom robot's key is in its URL",
        "sop/site-alerts.yaml:18:61: error: properties.0.alerts.5.kinds.1: Input should be 'missed', 'not_synced', 'ticket_late', 'exception_late', 'out_of_range' or 'digest', got 'lateness'",
        'sop/site-alerts.yaml:19:9: error: properties.0.alerts.6: shifts say when digests go; add "digest" to kinds or drop shifts',
    ],
    "site-calendar": [
        "sop/site-calendar.yaml:33:30: error: calendar.make_up_days.1: 2026-10-01 is both a "
        "holiday and a make-up day; a date is one or the other",
        "sop/site-calendar.yaml:33:42: error: calendar.make_up_days.2: 2026-10-12 is a Monday, "
        "already a working day; a make-up day is a day not worked in an ordinary week "
        "(working days: mon, tue, wed, thu, fri)",
    ],
    "site-checkpoint-twice": [
        "sop/site-checkpoint-twice.yaml:23:57: error: properties.1.checkpoints.1.replaces.0: "
        'checkpoint code "B-12" is already used by 大堂 (alpha)',
        "sop/site-checkpoint-twice.yaml:23:63: error: properties.1.checkpoints.1.replaces.1: "
        'checkpoint code "A-01" is already used by 水泵房 (alpha)',
        "sop/site-checkpoint-twice.yaml:24:10: error: properties.1.checkpoints.2.code: "
        'checkpoint code "B-01" is already used by 门岗 (beta)',
    ],
    "site-place-two-codes": [
        'sop/site-place-two-codes.yaml:14:32: error: properties.0.checkpoints.1.area: area "garage" '
        "is not defined for site(s) alpha",
        'sop/site-place-two-codes.yaml:24:22: error: properties.1.checkpoints.2.name: "门岗" in area '
        'gate already has the code "B-01"; one place has one code: keep that one and list "B-09" '
        "under its replaces",
    ],
    "site-code-bad": [
        "sop/checklist.yaml:1:1: error: no site document found: roles, sites, areas, shifts and contacts go unchecked",
        "sop/site-code-bad.yaml:6:5: error: properties.0.code: 'al' is not a valid property code; "
        'expected something like "LY" (2 to 4 capital letters A–Z)',
        "sop/site-code-bad.yaml:13:5: error: properties.1.code: 'BETAX' is not a valid property "
        'code; expected something like "LY" (2 to 4 capital letters A–Z)',
    ],
    "site-code-duplicate": [
        'sop/site-code-duplicate.yaml:13:5: error: properties.1.code: property code "AL" is '
        "already used by property alpha",
    ],
    "stop-place": [
        "sop/stop-place.yaml:13:5: error: checkpoints.0: a route names its checkpoint by code alone; "
        "the place's name and area are written once, under checkpoints of its property in the "
        "site document",
    ],
    "syntax-unclosed-bracket": [
        "sop/syntax-unclosed-bracket.yaml:4:6: error: invalid YAML: while parsing a flow sequence (started at line 3): did not find expected ',' or ']'",
    ],
    "tab-indent": [
        "sop/tab-indent.yaml:3:1: error: tab character: indent YAML with spaces, not tabs",
    ],
    "unknown-checkpoint": [
        'sop/unknown-checkpoint.yaml:13:6: error: checkpoints.0.code: unknown checkpoint "B-07" '
        "at site beta (known: B-01, B-02)",
        'sop/unknown-checkpoint.yaml:14:6: error: checkpoints.1.code: checkpoint "A-01" is at '
        "site alpha, not beta",
        'sop/unknown-checkpoint.yaml:15:6: error: checkpoints.2.code: checkpoint code "B-12" was '
        'replaced by "B-02"; name the checkpoint by its code',
        'sop/unknown-checkpoint.yaml:16:6: error: checkpoints.3.code: checkpoint "B-02" is already '
        "on this route (checkpoints.2)",
    ],
    "unknown-contact": [
        'sop/unknown-contact.yaml:12:18: error: contacts.1: unknown contact "police" (known: fire)',
        'sop/unknown-contact.yaml:14:6: error: escalation.0.contact: unknown contact "ambulance" (known: fire)',
    ],
    "unknown-kind": [
        "sop/unknown-kind.yaml:1:1: error: kind: unknown kind 'procdure'; did you mean \"procedure\"? (one of: site, procedure, checklist, patrol, emergency, course, desk)",
    ],
    "unknown-related": [
        'sop/unknown-related.yaml:13:11: error: related.0: no document with id "PRO-NOPE"',
    ],
    "unknown-role": [
        'sop/unknown-role.yaml:6:19: error: roles.1: unknown role "janitor" (known: engineer, guard, supervisor)',
    ],
    "unknown-shift": [
        'sop/unknown-shift.yaml:9:45: error: schedule.shifts.0: unknown shift "evening" (known: day, night)',
    ],
    "unknown-site": [
        'sop/unknown-site.yaml:9:1: error: site: unknown site "gamma" (known: alpha, beta)',
    ],
    "unknown-tag": [
        "sop/unknown-tag.yaml:12:12: error: unsupported YAML tag '!!python/object:os.system': only plain YAML is allowed (safe loading)",
    ],
    "version-bad": [
        'sop/version-bad.yaml:4:1: error: version: \'v1\' is not a version; expected "MAJOR.MINOR", e.g. "1.0"',
    ],
    "version-unquoted": [
        'sop/version-unquoted.yaml:4:1: error: version: write the version in quotes, e.g. version: "1.0"; unquoted YAML reads it as a number',
    ],
    "author-speak": [
        'sop/author-speak.yaml:12:46: warning: standards.0.note: "种子材料" speaks to authors, '
        "not staff; move it to author_notes, which pages never show",
        'sop/author-speak.yaml:17:6: warning: steps.1.text: "TODO" speaks to authors, '
        "not staff; move it to author_notes, which pages never show",
    ],
    "wrong-type-list": [
        "sop/wrong-type-list.yaml:6:1: error: roles: expected a list, got 'engineer'",
    ],
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the valid fixture tree as sop/ + content/, with the working folder in it."""
    shutil.copytree(FIXTURES / "sop" / "valid", tmp_path / "sop")
    shutil.copytree(FIXTURES / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems(project: Path) -> list[str]:
    tree = load_tree(Path("sop"), Path("content"), today=TODAY)
    return [str(p) for p in sorted(tree.problems)]


def test_valid_fixtures_have_no_problems(project: Path) -> None:
    tree = load_tree(Path("sop"), Path("content"), today=TODAY)
    assert tree.problems == []
    assert sorted(tree.documents) == [
        "CHK-PUMP",
        "EMG-FIRE",
        "ORG-TEST",
        "PRO-REPAIR",
        "PTL-NIGHT",
        "TRN-BASICS",
    ]


def test_every_invalid_fixture_has_a_pinned_expectation() -> None:
    files = {p.stem for p in (FIXTURES / "sop" / "invalid").iterdir()}
    assert files == set(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_invalid_input_is_reported_exactly(project: Path, case: str) -> None:
    if case.startswith(SITE_CASE):  # a site document with a flaw, in place of the valid one
        (project / "sop" / "site.yaml").unlink()
    shutil.copy(FIXTURES / "sop" / "invalid" / f"{case}.yaml", project / "sop")
    assert problems(project) == EXPECTED[case]


def test_yaml_11_words_stay_text(project: Path) -> None:
    """`yes`, `no` and `20:00` are text, not booleans or sexagesimal integers."""
    shutil.copy(FIXTURES / "yaml11-booleans.yaml", project / "sop")
    tree = load_tree(Path("sop"), Path("content"), today=TODAY)
    assert tree.problems == []
    assert tree.documents["PRO-X"].records == ["yes", "no"]
    assert tree.documents["PRO-X"].scope == "20:00"  # YAML 1.1 would read 1200


def test_routes_of_one_site_may_share_a_place_poster(project: Path) -> None:
    """One checkpoint at the gate, one poster, named by both the day and the night route."""
    shutil.copy(FIXTURES / "shared-code.yaml", project / "sop")
    assert problems(project) == []


def test_every_problem_of_a_tree_is_reported_at_once(project: Path) -> None:
    for case in ("misspelt-key", "bad-duration", "tab-indent", "unknown-site"):
        shutil.copy(FIXTURES / "sop" / "invalid" / f"{case}.yaml", project / "sop")
    found = problems(project)
    expected = sorted(
        line
        for case in ("misspelt-key", "bad-duration", "tab-indent", "unknown-site")
        for line in EXPECTED[case]
    )
    assert found == expected


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def test_cli_clean_tree_exits_zero(project: Path) -> None:
    result = run("sop")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "6 documents in 6 files: 0 errors, 0 warnings\n"


def test_cli_errors_print_lines_then_summary_and_exit_one(project: Path) -> None:
    shutil.copy(FIXTURES / "sop" / "invalid" / "item-fields-mismatch.yaml", project / "sop")
    result = run("sop")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == EXPECTED["item-fields-mismatch"]
    assert result.stderr == "6 documents in 7 files: 4 errors, 0 warnings\n"


def test_cli_warning_passes_unless_strict(project: Path) -> None:
    shutil.copy(FIXTURES / "sop" / "invalid" / "review-overdue.yaml", project / "sop")
    relaxed = run("sop")
    assert relaxed.exit_code == 0
    assert "warning: review_by: review date 2021-01-01 has passed" in relaxed.stdout
    strict = run("sop", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.startswith("sop/review-overdue.yaml:8:1: error: review_by: review date")


def test_cli_json_format(project: Path) -> None:
    shutil.copy(FIXTURES / "sop" / "invalid" / "unknown-role.yaml", project / "sop")
    result = run("sop", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "path": "sop/unknown-role.yaml",
            "line": 6,
            "col": 19,
            "severity": "error",
            "loc": "roles.1",
            "message": 'unknown role "janitor" (known: engineer, guard, supervisor)',
        }
    ]


def test_cli_github_format(project: Path) -> None:
    shutil.copy(FIXTURES / "sop" / "invalid" / "unknown-site.yaml", project / "sop")
    result = run("sop", "--format", "github")
    assert result.stdout == (
        "::error file=sop/unknown-site.yaml,line=9,col=1,title=site::"
        'unknown site "gamma" (known: alpha, beta)\n'
    )


def test_cli_shows_chinese_as_written(project: Path) -> None:
    shutil.copy(FIXTURES / "sop" / "invalid" / "bad-schedule.yaml", project / "sop")
    assert 'cannot read schedule "每天两次"' in run("sop").stdout
    assert "每天两次" in run("sop", "--format", "json").stdout


def test_cli_content_folder_defaults_to_sibling(project: Path) -> None:
    (project / "content" / "intro.md").unlink()
    result = run("sop")
    assert result.exit_code == 1
    assert 'no page "intro.md" in content/' in result.stdout


def test_cli_missing_path_is_a_usage_error(project: Path) -> None:
    result = run("nowhere")
    assert result.exit_code == 2
    assert "Path 'nowhere' does not exist" in result.stderr


def test_parallel_load_matches_one_process(project: Path) -> None:
    """A large handbook is parsed by several processes; what check reports must not change.

    Every invalid fixture at once, with one file per chunk so duplicate ids and other
    cross-file problems span processes, compared with a load in this process.
    """
    for case in EXPECTED:
        shutil.copy(FIXTURES / "sop" / "invalid" / f"{case}.yaml", project / "sop")
    alone = load_tree(Path("sop"), Path("content"), today=TODAY, jobs=1)
    shared = load_tree(Path("sop"), Path("content"), today=TODAY, jobs=3)
    assert len(alone.problems) > len(EXPECTED)
    assert [str(p) for p in shared.problems] == [str(p) for p in alone.problems]
    assert shared.documents == alone.documents
    assert shared.invalid_ids == alone.invalid_ids
    assert shared.files == alone.files


def test_large_handbook_uses_every_core(project: Path, monkeypatch) -> None:
    import generator.loader as loader

    monkeypatch.setattr(loader.os, "sched_getaffinity", lambda _: {0, 1, 2}, raising=False)
    files = loader.yaml_files(Path("sop"))
    assert loader.default_jobs(files) == 1  # a handful of files: no second process
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 1000)
    assert loader.default_jobs(files) == 3


def test_unreadable_file_is_a_problem_not_a_crash(project: Path) -> None:
    (project / "sop" / "gone.yaml").symlink_to(project / "nowhere.yaml")
    assert problems(project) == [
        "sop/gone.yaml:1:1: error: cannot read file: No such file or directory"
    ]


def _die_on_first_chunk(files):
    import os

    from generator.loader import read_path

    if files[0][1].endswith("area-missing-in-site.yaml"):
        os._exit(1)  # a worker killed mid-load (out of memory, say)
    return [read_path(file, shown) for file, shown in files]


def test_dead_worker_does_not_lose_files(project: Path, monkeypatch) -> None:
    import generator.loader as loader

    for case in EXPECTED:
        shutil.copy(FIXTURES / "sop" / "invalid" / f"{case}.yaml", project / "sop")
    alone = load_tree(Path("sop"), Path("content"), today=TODAY, jobs=1)
    monkeypatch.setattr(loader, "_read_files", _die_on_first_chunk)
    shared = load_tree(Path("sop"), Path("content"), today=TODAY, jobs=2)
    assert [str(p) for p in shared.problems] == [str(p) for p in alone.problems]
    assert shared.documents == alone.documents


@pytest.mark.parametrize("module", ["generator", "generator.cli"])
def test_python_dash_m_runs_the_command(module: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    broken = tmp_path / "sop"
    broken.mkdir()
    (broken / "x.yaml").write_text("id: [\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", module, "check", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # the same command as `dutybook check`: its exit code and its file:line:column report
    assert done.returncode == 1, done
    assert f"{broken / 'x.yaml'}:" in done.stdout + done.stderr
