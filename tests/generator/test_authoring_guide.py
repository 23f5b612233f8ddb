"""The authoring guide keeps up with the content model: every kind, field and example."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from generator.loader import load_tree, validate
from generator.models import KINDS, Schedule, Versioned
from generator.schedule import SHORTHAND, Period
from generator.source import RawDocument, read_documents

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "content" / "authors" / "authoring.md"
COMMON = "通用字段"
SCHEDULE = "日程"

FENCE_RE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def sections() -> dict[str, str]:
    """Level-2 sections of the guide by heading; a kind's section is keyed by the kind."""
    out: dict[str, str] = {}
    for chunk in re.split(r"^## ", guide_text(), flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        match = re.match(r"`([a-z]+)` ", heading)
        out[match.group(1) if match else heading.strip()] = body
    return out


def yaml_blocks() -> list[RawDocument]:
    """Every ```yaml block of the guide, parsed the way `dutybook check` parses files."""
    blocks = []
    for number, match in enumerate(FENCE_RE.finditer(guide_text())):
        raws, problems = read_documents(match.group(1), f"authors/authoring.md#block{number}")
        assert problems == [], f"yaml block {number} does not parse: {problems}"
        blocks.extend(raws)
    return blocks


def examples() -> dict[str, RawDocument]:
    found: dict[str, RawDocument] = {}
    for raw in yaml_blocks():
        if isinstance(raw.data, dict) and "kind" in raw.data:
            assert raw.data["kind"] not in found, f"two examples of kind {raw.data['kind']}"
            found[raw.data["kind"]] = raw
    return found


def models_in(annotation: object) -> list[type[BaseModel]]:
    """The models inside an annotation such as list[Area] or Schedule | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in models_in(arg)]


def documented_fields(kind: str) -> list[tuple[str, str]]:
    """(section, field) for every field reachable from a kind's model, nested ones included.

    Fields shared by all versioned kinds are documented once under 通用字段, the fields of
    a schedule once under 日程; everything else in the kind's own section.
    """
    out: list[tuple[str, str]] = []

    def walk(model: type[BaseModel], section: str) -> None:
        for name, info in model.model_fields.items():
            where = section
            if issubclass(model, Versioned) and (name in Versioned.model_fields or name == "kind"):
                where = COMMON
            elif issubclass(model, Schedule) and name in Schedule.model_fields:
                where = SCHEDULE
            out.append((where, name))
            for inner in models_in(info.annotation):
                walk(inner, where)

    walk(KINDS[kind], kind)
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_section(kind: str) -> None:
    assert re.search(rf"^## `{kind}` \S", guide_text(), flags=re.MULTILINE), kind


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_field_is_named_in_its_section(kind: str) -> None:
    parts = sections()
    missing = [
        f"{section}: {name}"
        for section, name in documented_fields(kind)
        if f"`{name}`" not in parts[section]
    ]
    assert missing == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_valid_example(kind: str) -> None:
    raw = examples().get(kind)
    assert raw is not None, f"no ```yaml example of kind {kind}"
    document, problems = validate(raw)
    assert problems == []
    assert isinstance(document, KINDS[kind])
    assert raw.data["id"] in guide_text()


def test_examples_start_with_the_modeline() -> None:
    for match in FENCE_RE.finditer(guide_text()):
        block = match.group(1)
        kind = re.search(r"^kind: ([a-z]+)$", block, flags=re.MULTILINE)
        if kind:
            modeline = f"# yaml-language-server: $schema=../../schemas/{kind.group(1)}.schema.json"
            assert block.splitlines()[0] == modeline


def test_examples_check_together(tmp_path: Path) -> None:
    """Side by side, as files under sop/, the examples pass `dutybook check --strict`."""
    folders = {
        "site": "site",
        "procedure": "procedures",
        "checklist": "checklists",
        "patrol": "patrols",
        "emergency": "emergencies",
        "course": "courses",
        "desk": "desk",
    }
    assert set(folders) == set(KINDS)
    for match in FENCE_RE.finditer(guide_text()):
        block = match.group(1)
        kind = re.search(r"^kind: ([a-z]+)$", block, flags=re.MULTILINE)
        doc_id = re.search(r"^id: (\S+)$", block, flags=re.MULTILINE)
        if kind and doc_id:
            folder = tmp_path / "sop" / folders[kind.group(1)]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{doc_id.group(1).lower()}.yaml").write_text(block, encoding="utf-8")
    tree = load_tree(tmp_path / "sop", content_dir=ROOT / "content")
    assert len(tree.documents) == len(KINDS)
    assert [str(p) for p in tree.problems] == []


def test_schedule_words_and_durations_are_listed() -> None:
    text = sections()[SCHEDULE]
    for period in Period:
        assert f"`{period.value}`" in text, period
    for word in SHORTHAND:
        assert f"`{word}`" in text, word
    durations = sections()["时长"]
    for unit in ("10m", "2h", "3d", "2wd"):
        assert f"`{unit}`" in durations


def test_error_line_in_the_guide_is_what_check_prints(tmp_path: Path) -> None:
    """The sample error line is reproduced word for word by a file with that mistake."""
    folder = tmp_path / "sop" / "procedures"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text(
        'kind: procedure\nid: SEC-X\ntitle: 示例\nversion: "1.0"\nowner: guard\n'
        "roles: [guard]\neffective: 2026-01-01\nreview_by: 2027-06-30\nsteps:\n"
        "  - text: 第 1 步\n  - text: 第 2 步\n  - time_limit: 15 分钟\n    text: 第 3 步\n"
        "purpose: 示例\nscope: 示例\n",
        encoding="utf-8",
    )
    tree = load_tree(folder / "x.yaml")
    [problem] = tree.problems
    line = str(problem).replace(problem.path, "sop/procedures/x.yaml")
    assert line == (
        "sop/procedures/x.yaml:12:5: error: steps.2.time_limit: expected a duration such as "
        '"10m", "2h", "3d" or "2wd" (working days), got \'15 分钟\''
    )
    assert line in guide_text()


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_document_in_sop(kind: str) -> None:
    tree = load_tree(ROOT / "sop", content_dir=ROOT / "content")
    assert tree.of_kind(kind), f"no valid {kind} document in sop/"


def test_checkpoint_error_line_in_the_guide_is_what_check_prints(tmp_path: Path) -> None:
    """The guide's example route with its first code mistyped gives the guide's error line."""
    blocks = [
        b for b in FENCE_RE.findall(guide_text()) if re.search(r"^kind: (site|patrol)$", b, re.M)
    ]
    site, route = sorted(blocks, key=lambda b: "kind: patrol" in b)
    sop = tmp_path / "sop"
    (sop / "patrols").mkdir(parents=True)
    (sop / "company.yaml").write_text(site, encoding="utf-8")
    wrong = route.replace("code: LY-CP-01", "code: LY-CP-09", 1)
    (sop / "patrols" / "ptl-ly-out.yaml").write_text(wrong, encoding="utf-8")
    tree = load_tree(sop)
    [problem] = [p for p in tree.problems if "LY-CP-09" in p.message]
    line = str(problem).replace(problem.path, "sop/patrols/ptl-ly-out.yaml")
    assert line in guide_text()
