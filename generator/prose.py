"""Text as staff read it: folded YAML lines joined the Chinese way, author notes left out."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from pydantic import BaseModel

from generator.tree import Tree

# Han, kana, CJK punctuation and full-width forms (，。；：（）！？、「」《》…)
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_QUOTES = "\u2018\u2019\u201c\u201d"
# blanks with at most one line break: a blank line is a paragraph break and stays
_GAP = r"(?:[ \t]*\n[ \t]*|[ \t]+)"
# YAML folding (`>`) turns a line break into one space; between two Chinese characters that
# space is a typo staff see ("袖章； 查看"). Chinese never puts a space there, so any gap
# between them goes, whether it came from a fold, a literal block or a slip of the keyboard.
_STRAY = re.compile(rf"(?<=[{_CJK}]){_GAP}(?=[{_CJK}{_QUOTES}])|(?<=[{_QUOTES}]){_GAP}(?=[{_CJK}])")

# Fields that exist for authors only; a page never shows them (see Versioned.author_notes).
AUTHOR_FIELDS = frozenset({"author_notes"})


def join_cjk(text: str) -> str:
    """Remove blanks between two CJK characters or punctuation marks; keep all others."""
    return _STRAY.sub("", text)


def for_staff(value: object) -> object:
    """A document (or any part of one) with every string joined and author notes emptied."""
    if type(value) is str:  # not StrEnum members such as Period
        return join_cjk(value)
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            if name in AUTHOR_FIELDS:
                update[name] = []
            else:
                update[name] = for_staff(getattr(value, name))
        return value.model_copy(update=update)
    if isinstance(value, list):
        return [for_staff(item) for item in value]
    return value


def staff_tree(tree: Tree) -> Tree:
    """The tree the renderer reads: the same documents, as staff should read them."""
    documents = {doc_id: for_staff(doc) for doc_id, doc in tree.documents.items()}
    return dataclasses.replace(tree, documents=documents)


# Words that only make sense to the people writing the handbook; on a page they confuse staff.
_AUTHOR_WORDS = re.compile(r"种子材料|种子文件|作者|编者|\b(?:TODO|FIXME|XXX)\b")


def author_speak(value: object, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(loc, word) for every string a page shows that speaks to authors, not staff."""
    if type(value) is str:
        found = _AUTHOR_WORDS.search(value)
        if found:
            yield loc, found.group()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in AUTHOR_FIELDS:
                yield from author_speak(getattr(value, name), (*loc, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from author_speak(item, (*loc, i))
