"""Reading YAML files safely while keeping the position of every node."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.problems import ERROR, Problem

try:  # the C parser is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader


class Loader(_BaseLoader):
    """Safe loader with YAML 1.2-style scalars and duplicate-key detection.

    YAML 1.1 reads `20:00` as the integer 1200 and `no` as false; in a handbook
    full of shift times and yes/no answers that silently corrupts content, so
    only `true`/`false`, plain decimal integers and floats with a dot resolve.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[ScalarNode, ScalarNode]] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: dict[object, ScalarNode] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen and key_node.value != "<<":
                    self.duplicates.append((key_node, seen[key_node.value]))
                seen.setdefault(key_node.value, key_node)
        return super().construct_mapping(node, deep=deep)


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _regex, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$",
        "-+0123456789.",
    ),
]:
    Loader.add_implicit_resolver(_tag, re.compile(_regex), list(_first))
Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: node.value.lower() == "true")


def _construct_timestamp(loader: Loader, node: ScalarNode) -> object:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:  # 2026-13-01 matches the pattern but is no date
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value} is not a real date ({exc})", node.start_mark
        ) from exc


Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _FileNodes:
    """The node trees of one file, composed only when a position is needed.

    Keeping every node of a large tree alive roughly doubles the time to load it
    (allocation and garbage collection), and positions are only needed for the
    few documents that have problems.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._nodes: list[Node] | None = None

    def node(self, index: int) -> Node:
        if self._nodes is None:
            loader = Loader(self.text)
            self._nodes = []
            try:
                while loader.check_node():
                    self._nodes.append(loader.get_node())
            except yaml.YAMLError:
                pass  # the syntax error itself is reported by read_documents
            finally:
                loader.dispose()
        if index < len(self._nodes):
            return self._nodes[index]
        start = yaml.Mark("", 0, 0, 0, None, None)
        return ScalarNode("tag:yaml.org,2002:null", "", start, start)


@dataclass
class RawDocument:
    """One YAML document as parsed: data for validation, node tree (lazily) for positions."""

    path: str
    index: int
    data: object
    nodes: _FileNodes

    @property
    def node(self) -> Node:
        return self.nodes.node(self.index)


def _problem(path: str, mark: yaml.Mark | None, message: str, loc: str = "") -> Problem:
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    return Problem(path, line, col, ERROR, loc, message)


def _yaml_message(error: yaml.MarkedYAMLError, text: str) -> str:
    problem = error.problem or "invalid YAML"
    mark = error.problem_mark
    if mark is not None and mark.index < len(text) and text[mark.index] == "\t":
        return "tab character: indent YAML with spaces, not tabs"
    if mark is not None and "cannot start any token" in problem and mark.index < len(text):
        char = text[mark.index]
        return f"{char!r} cannot start a YAML value; put the text in quotes"
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1].replace("tag:yaml.org,2002:", "!!")
        return f"unsupported YAML tag {tag}: only plain YAML is allowed (safe loading)"
    if error.context and error.context_mark:
        where = f" (started at line {error.context_mark.line + 1})"
        return f"invalid YAML: {error.context}{where}: {problem}"
    return f"invalid YAML: {problem}"


def decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    """UTF-8 text of a file, or a problem pointing at the first bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        byte = raw[exc.start]
        message = f"file is not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8"
        return None, Problem(path, line, col, ERROR, "", message)
    return text.removeprefix("\ufeff"), None


def read_documents(text: str, path: str) -> tuple[list[RawDocument], list[Problem]]:
    """Parse every document of a file, reporting syntax errors and duplicate keys."""
    problems: list[Problem] = []
    documents: list[RawDocument] = []
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return [], [
            _problem(path, None, "file is empty; expected a document with kind, id and title")
        ]
    loader = Loader(text)
    nodes = _FileNodes(text)
    try:
        index = 0
        while loader.check_data():
            documents.append(RawDocument(path, index, loader.get_data(), nodes))
            index += 1
    except yaml.MarkedYAMLError as exc:
        problems.append(_problem(path, exc.problem_mark, _yaml_message(exc, text)))
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, found before parsing
        before = text[: exc.position]
        mark = yaml.Mark(
            path,
            exc.position,
            before.count("\n"),
            exc.position - (before.rfind("\n") + 1),
            None,
            None,
        )
        problems.append(
            _problem(
                path, mark, f"character U+{exc.character:04X} is not allowed in YAML; remove it"
            )
        )
    except yaml.YAMLError as exc:  # errors without a mark (e.g. bad stream)
        problems.append(_problem(path, None, f"invalid YAML: {exc}"))
    except (RecursionError, ValueError, OverflowError) as exc:
        problems.append(_problem(path, None, f"cannot read YAML: {exc}"))
    finally:
        loader.dispose()
    for key, first in loader.duplicates:
        problems.append(
            _problem(
                path,
                key.start_mark,
                f'duplicate key "{key.value}" (first at line {first.start_mark.line + 1})',
            )
        )
    return documents, problems


def locate(node: Node, loc: tuple[object, ...]) -> tuple[yaml.Mark, tuple[object, ...]]:
    """The mark of the key (or item) that `loc` names, and how much of `loc` was found.

    Walks pydantic's loc down the node tree; a key that is not there (a missing
    field) leaves us at its parent mapping.
    """
    mark = node.start_mark
    found: list[object] = []
    for part in loc:
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    mark, node = key_node.start_mark, value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            mark = node.start_mark
        else:
            break
        found.append(part)
    return mark, tuple(found)


YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(root: Path) -> list[Path]:
    """Every YAML file under a folder (or the file itself), in a stable order."""
    if root.is_file():
        return [root]
    found = []
    for folder, _, names in os.walk(root):  # scandir: no stat per file, unlike Path.rglob
        base = Path(folder)
        found += [base / name for name in names if os.path.splitext(name)[1] in YAML_SUFFIXES]
    return sorted(found)
