"""JSON Schemas of the document kinds, for editors that complete and check YAML as you type."""

from __future__ import annotations

import json
from pathlib import Path

from generator.models import KINDS


def kind_schema(kind: str) -> dict:
    schema = KINDS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{kind}.schema.json"
    return schema


def combined_schema() -> dict:
    """One schema for any document: picks the kind's schema by the `kind` key."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "dutybook.schema.json",
        "title": "Dutybook document",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": kind}}},
                "then": {"$ref": f"{kind}.schema.json"},
            }
            for kind in KINDS
        ],
    }


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in [(k, kind_schema(k)) for k in KINDS] + [("dutybook", combined_schema())]:
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
