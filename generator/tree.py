"""`Tree`: what one load of a content folder holds, passed to every later stage.

Its own module so that the loader, the cross-checks (references), prose and rendering all
import it from below, and the loader can import the cross-checks without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from generator.models import Site
from generator.problems import ERROR, Problem, dotted
from generator.source import RawDocument, locate


@dataclass
class Tree:
    """Everything loaded from a content folder: valid documents and what was wrong."""

    root: Path
    documents: dict[str, BaseModel] = field(default_factory=dict)
    sources: dict[str, RawDocument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    # ids of documents that exist but failed validation: references to them are not "missing"
    invalid_ids: set[str] = field(default_factory=set)
    _site: Site | None = field(default=None, init=False, repr=False, compare=False)
    _site_seen: int = field(default=-1, init=False, repr=False, compare=False)

    @property
    def site(self) -> Site | None:
        # asked for once per rendered page: a scan of every document each time was quadratic
        if self._site_seen != len(self.documents):
            self._site = next((d for d in self.documents.values() if isinstance(d, Site)), None)
            self._site_seen = len(self.documents)
        return self._site

    def of_kind(self, kind: str) -> list[BaseModel]:
        return [d for d in self.documents.values() if d.kind == kind]

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def problem(self, doc_id: str, loc: tuple, message: str, severity: str = ERROR) -> None:
        """Record a problem at `loc` inside the document `doc_id`."""
        source = self.sources[doc_id]
        mark, _ = locate(source.node, loc)
        self.problems.append(
            Problem(source.path, mark.line + 1, mark.column + 1, severity, dotted(loc), message)
        )
