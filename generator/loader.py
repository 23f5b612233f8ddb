"""Loading a folder of YAML into validated documents, with every problem located."""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from generator.background import BrokenProcessPool, fork_pool
from generator.models import KINDS
from generator.problems import ERROR, Problem, dotted
from generator.references import check_references
from generator.source import RawDocument, decode, locate, read_documents, yaml_files
from generator.tree import Tree


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as authors typed it: relative to the working folder when inside it."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(cwd or Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class reached by following `loc` through field annotations."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: object) -> object:
    """Find the model inside list[...], X | None and Annotated[...]."""
    origin = typing.get_origin(annotation)
    if origin in (list, types.UnionType, typing.Union, typing.Annotated):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dt.date):
        return f"the date {value}"
    return repr(value)


def message_for(error: dict, model: type[BaseModel]) -> str:
    """Turn one pydantic error into a sentence an author can act on."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        parent = _model_at(model, loc[:-1])
        hint = getattr(parent, "missing_hints", {}).get(str(loc[-1]), "") if parent else ""
        return f'missing required key "{loc[-1]}"{hint}'
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        hint = ""
        if parent is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1)
            if close:
                hint = f'; did you mean "{close[0]}"?'
        return f'unknown key "{loc[-1]}"{hint}'
    if kind == "string_type":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'expected text, got {_describe(value)}; put it in quotes: "{value}"'
        return f"expected text, got {_describe(value)}"
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return f"expected a number, got {_describe(value)}"
    if kind == "bool_type":
        return f"expected true or false, got {_describe(value)}"
    if kind.startswith("date") or kind == "datetime_type":
        return f"expected a date like 2026-01-31, got {_describe(value)}"
    if kind == "list_type":
        return f"expected a list, got {_describe(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys and values, got {_describe(value)}"
    if kind == "too_short":
        return f"needs at least {error['ctx']['min_length']} item(s)"
    if kind in ("literal_error", "enum"):
        return f"{error['msg']}, got {_describe(value)}"
    return error["msg"]


def _error_loc(error: dict) -> tuple:
    """Errors raised by a model-level check may name the field they are about."""
    field = (error.get("ctx") or {}).get("field")
    return (*error["loc"], field) if field else tuple(error["loc"])


def validate(raw: RawDocument) -> tuple[BaseModel | None, list[Problem]]:
    """Validate one parsed document against the model its `kind` names."""
    data = raw.data

    def at(loc: tuple, message: str) -> Problem:
        mark, _ = locate(raw.node, loc)
        return Problem(raw.path, mark.line + 1, mark.column + 1, ERROR, dotted(loc), message)

    if data is None:
        return None, [at((), "empty document; expected a mapping with kind, id and title")]
    if not isinstance(data, dict):
        return None, [
            at((), f"a document must be a mapping with kind, id and title, not {_describe(data)}")
        ]
    kind = data.get("kind")
    if kind is None:
        return None, [at((), f'missing required key "kind"; one of: {", ".join(KINDS)}')]
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        return None, [at(("kind",), f"unknown kind {kind!r}{hint} (one of: {', '.join(KINDS)})")]
    model = KINDS[kind]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            at(_error_loc(err), message_for(err, model)) for err in exc.errors(include_url=False)
        ]


@dataclass
class FileResult:
    """What one file holds once parsed and validated, before it joins a tree."""

    path: str
    problems: list[Problem]
    documents: list[tuple[RawDocument, BaseModel | None]]


def read_file(raw_bytes: bytes, path: str) -> FileResult:
    """Parse and validate one file's bytes on their own; never raises for bad content."""
    text, problem = decode(raw_bytes, path)
    if problem:
        return FileResult(path, [problem], [])
    raws, problems = read_documents(text, path)
    documents = []
    for raw in raws:
        document, invalid = validate(raw)
        problems.extend(invalid)
        documents.append((raw, document))
    return FileResult(path, problems, documents)


def merge(tree: Tree, result: FileResult) -> None:
    """Add one file's documents to `tree`, in file order: a repeated id is an error there."""
    tree.files += 1
    tree.problems.extend(result.problems)
    for raw, document in result.documents:
        if document is None:
            if isinstance(raw.data, dict) and isinstance(raw.data.get("id"), str):
                tree.invalid_ids.add(raw.data["id"])
            continue
        if document.id in tree.sources:
            first = tree.sources[document.id]
            mark, _ = locate(raw.node, ("id",))
            first_mark, _ = locate(first.node, ("id",))
            tree.problems.append(
                Problem(
                    result.path,
                    mark.line + 1,
                    mark.column + 1,
                    ERROR,
                    "id",
                    f'duplicate id "{document.id}" (first defined at '
                    f"{first.path}:{first_mark.line + 1})",
                )
            )
            continue
        tree.documents[document.id] = document
        tree.sources[document.id] = raw


def add_file(tree: Tree, raw_bytes: bytes, path: str) -> None:
    """Parse and validate one file's bytes into `tree`; never raises for bad content."""
    merge(tree, read_file(raw_bytes, path))


# Below this much YAML a second process costs more than it saves (fork, and sending the
# documents back); above it, parsing, which is most of a check, shares out across cores.
PARALLEL_BYTES = 2_000_000


def read_path(file: Path, shown: str) -> FileResult:
    """`read_file` of a file on disk; a file that cannot be read is a problem, not a crash."""
    try:
        raw_bytes = file.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return FileResult(
            shown, [Problem(shown, 1, 1, ERROR, "", f"cannot read file: {reason}")], []
        )
    return read_file(raw_bytes, shown)


def _read_files(files: list[tuple[Path, str]]) -> list[FileResult]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [read_path(file, shown) for file, shown in files]
    finally:
        if collecting:
            gc.enable()


def default_jobs(files: list[Path]) -> int:
    """Processes for a load: one for a handbook of ordinary size, else one per core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return 1
    size = 0
    for file in files:
        try:
            size += file.stat().st_size
        except OSError:  # reported when the file is read
            continue
        if size >= PARALLEL_BYTES:
            return min(cores, 8)
    return 1


def _read_all(files: list[tuple[Path, str]], jobs: int) -> typing.Iterator[FileResult]:
    pool = fork_pool(jobs) if jobs > 1 else None
    if pool is None:
        for file, shown in files:
            yield read_path(file, shown)
        return
    # Several chunks per process even out uneven files; results come back in file order.
    size = max(1, len(files) // (jobs * 4))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    done = 0
    try:
        with pool:
            for results in pool.map(_read_files, chunks):
                done += len(results)
                yield from results
    except BrokenProcessPool:  # a worker died (killed, out of memory): finish here
        for file, shown in files[done:]:
            yield read_path(file, shown)


def load_tree(
    root: Path,
    content_dir: Path | None = None,
    today: dt.date | None = None,
    jobs: int | None = None,
) -> Tree:
    """Load, validate and cross-check every YAML document under `root`.

    `jobs` processes parse the files (default: one per core for a large handbook, where
    the platform can fork, else one).
    """
    tree = Tree(root=root)
    cwd = Path.cwd()
    paths = yaml_files(root)
    files = [(file, display_path(file, cwd)) for file in paths]
    # Loading allocates many small objects that all stay alive; the cyclic collector's
    # repeated passes over them cost a fifth of a large check, and find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for result in _read_all(files, jobs or default_jobs(paths)):
            merge(tree, result)
    finally:
        if collecting:
            gc.enable()
    check_references(tree, content_dir, today or dt.date.today())
    return tree
