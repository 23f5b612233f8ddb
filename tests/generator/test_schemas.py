"""The committed JSON Schemas match the models, so editors check what `dutybook check` checks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.models import KINDS

ROOT = Path(__file__).parent.parent.parent


def test_schema_command_writes_one_schema_per_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", str(tmp_path / "out")])
    assert result.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted([f"{k}.schema.json" for k in KINDS] + ["dutybook.schema.json"])
    procedure = json.loads((tmp_path / "out" / "procedure.schema.json").read_text("utf-8"))
    assert procedure["additionalProperties"] is False
    assert {"id", "title", "version", "steps"} <= set(procedure["required"])


def test_committed_schemas_are_current(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["schema", str(tmp_path)])
    for generated in tmp_path.iterdir():
        committed = ROOT / "schemas" / generated.name
        assert committed.read_text("utf-8") == generated.read_text("utf-8"), (
            f"schemas/{generated.name} is stale: run `dutybook schema`"
        )


def test_sample_documents_name_their_schema() -> None:
    for path in sorted((ROOT / "sop").rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        kind = path.parent.name.rstrip("s").replace("emergencie", "emergency")
        assert first == f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json", path
