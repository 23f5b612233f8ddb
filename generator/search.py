"""Tuning Material's search index for staff: aliases as their own field, no one-character words.

Material's search plugin writes `search/search_index.json` with Chinese already cut into
words by jieba (words joined by U+200B). Its browser side cuts a typed query into the words
the index knows, so every one-character word in the index (的, 人, 车) becomes a way for a
query to match half the handbook: 停车 found 停电 and 停水 through 停, 电焊 every page
with 电. Such words get an invisible word joiner, so the index no longer holds them as
they are typed, and the text reads as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

WORD_BREAK = "\u200b"
# U+2060 WORD JOINER: invisible, and no separator of the search box splits at it
JOINER = "\u2060"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a one-character Chinese word: jieba's cut leaves U+200B (or punctuation) on both sides
SINGLE = re.compile(f"(?<![{HAN}])([{HAN}])(?![{HAN}{JOINER}])")
ALIASES = "aliases"


def mark_single_characters(text: str) -> str:
    """Each one-character word gets a word joiner: it reads the same, and is no longer a
    word the search box can cut a query into (停 of 停车); words of two or more stay."""
    return SINGLE.sub(lambda m: m.group(1) + JOINER, text)


def tune(index: dict, aliases: Mapping[str, list[str]]) -> dict:
    """The index with one-character words marked, and each page's aliases on its page entry.

    Aliases become a field of their own only if the search configuration gives it a boost
    (mkdocs.yml: plugins.search.fields.aliases); each alias stays one whole word.
    """
    with_aliases = ALIASES in index["config"].get("fields", {})
    for doc in index["docs"]:
        doc["title"] = mark_single_characters(doc["title"])
        doc["text"] = mark_single_characters(doc["text"])
        words = aliases.get(doc["location"])
        if with_aliases and words:
            doc[ALIASES] = WORD_BREAK.join(words)
    return index
