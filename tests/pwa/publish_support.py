"""Handbooks to publish: the test handbook as built (v1) and an edit of it (v2) that adds a
procedure, removes a patrol, makes a MINOR change to a checklist and a MAJOR one to a procedure."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import handbook_tree

ROOT = Path(__file__).resolve().parents[2]
DUTYBOOK = Path(sys.executable).with_name("dutybook")

# what v2 changes against v1, as the change summary says it
V2_CHANGES = {
    "added": [("ENG-NIGHT", "2.0")],
    "removed": [("PTL-JX-OUT-NIGHT", "1.0")],
    "changed": [("CHK-PUMP-ROOM", "1.0", "1.1", "minor"), ("ENG-REPAIR", "1.1", "2.0", "major")],
}


def author_tree(target: Path) -> Path:
    """An author's repository: the test handbook's sop/ and content/ beside mkdocs.yml."""
    return handbook_tree(target)


def edit_to_v2(tree: Path) -> None:
    sop = tree / "sop"
    repair = sop / "procedures" / "eng-repair.yaml"
    text = repair.read_text(encoding="utf-8").replace('version: "1.1"', 'version: "2.0"', 1)
    text += '  - {version: "2.0", date: 2026-02-01, summary: 维修流程改为先拍照后维修}\n'
    repair.write_text(text, encoding="utf-8")
    night = text.replace("id: ENG-REPAIR", "id: ENG-NIGHT", 1)
    night = night.replace("title: 报修受理与维修响应", "title: 夜间报修值守", 1)
    (sop / "procedures" / "eng-night.yaml").write_text(night, encoding="utf-8")
    pump = sop / "checklists" / "chk-pump-room.yaml"
    text = pump.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    pump.write_text(text.replace("title: 水泵房巡检记录", "title: 水泵房巡检记录（含水箱）", 1))
    (sop / "patrols" / "ptl-jx-out-night.yaml").unlink()


def build(tree: Path, site: Path) -> Path:
    """`dutybook build` of the tree into `site`."""
    subprocess.run(
        [DUTYBOOK, "build", "--sop", tree / "sop", "--config", tree / "mkdocs.yml",
         "--site-dir", site],
        cwd=tree, check=True, capture_output=True,
    )  # fmt: skip
    return site


def tar_gz(members: dict[str, bytes]) -> bytes:
    """A tar.gz holding `members` (path → bytes), as a hand-made upload."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def summary_tuples(summary: dict) -> dict:
    """A change summary as V2_CHANGES writes it."""
    return {
        "added": [(d["id"], d["version"]) for d in summary["added"]],
        "removed": [(d["id"], d["version"]) for d in summary["removed"]],
        "changed": [(d["id"], d["old"], d["new"], d["level"]) for d in summary["changed"]],
    }


@dataclass(frozen=True)
class Sites:
    """The test handbook built as it is (v1) and after edit_to_v2 (v2)."""

    v1: Path
    v2: Path

    def bundle_hash(self, site: Path) -> str:
        return json.loads((site / "handbook.json").read_bytes())["hash"]


def build_sites(root: Path) -> Sites:
    tree = author_tree(root / "tree")
    v1 = build(tree, root / "v1")
    edit_to_v2(tree)
    return Sites(v1, build(tree, root / "v2"))
