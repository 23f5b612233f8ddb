"""Chinese search: jieba segments the index, and each domain word finds its page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.plugin import ASSETS

# domain word -> the page a person searching for it wants (in the fixture handbook)
DOMAIN_WORDS = {
    "电梯困人": "emergencies/emg-elevator-trap/",
    "消防通道": "procedures/sec-gate/",
    "二次供水": "checklists/chk-water-tank/",
    "化粪池": "procedures/eng-renovation/",
    "配电房": "patrols/ptl-jx-night/",
    "水泵房": "checklists/chk-water-tank/",
    "巡更": "patrols/ptl-jx-night/",
    "首问负责制": "guide/",
    "闭水试验": "procedures/eng-renovation/",
    "放行条": "procedures/sec-gate/",
}


def load_index(site: Path) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def tokens(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split the way lunr does in the browser: the configured separator, HTML tags dropped."""
    return [t for t in separator.split(re.sub(r"<[^>]+>", " ", text)) if t]


def search(index: dict, query: str) -> list[str]:
    """Pages (without #section) whose title, text or tags hold a token starting with every
    query term, best first: Material gives each term a trailing wildcard and boosts titles."""
    separator = re.compile(index["config"]["separator"])
    terms = tokens(query, separator)
    scores: dict[str, float] = {}
    for doc in index["docs"]:
        fields = {"title": doc["title"], "text": doc["text"], "tags": " ".join(doc.get("tags", []))}
        boosts = index["config"]["fields"]
        score = 0.0
        for term in terms:
            hit = [
                name
                for name, text in fields.items()
                if any(t.startswith(term) for t in tokens(text, separator))
            ]
            if not hit:
                break
            score += sum(boosts[name]["boost"] for name in hit)
        else:
            page = doc["location"].split("#")[0]
            scores[page] = max(scores.get(page, 0.0), score)
    return sorted(scores, key=lambda page: (-scores[page], page))


def test_every_domain_word_is_in_the_user_dictionary():
    words = {
        line.split()[0] for line in (ASSETS / "jieba-user.txt").read_text("utf-8").splitlines()
    }
    assert set(DOMAIN_WORDS) <= words


def test_index_holds_segmented_chinese(fixture_site):
    index = load_index(fixture_site)
    assert index["config"]["lang"] == ["en"]  # lunr has no zh pipeline; jieba does the work
    by_location = {doc["location"]: doc for doc in index["docs"]}
    title = by_location["emergencies/emg-elevator-trap/"]["title"]
    assert title == "电梯困人\u200b应急预案"
    steps = by_location["procedures/sec-gate/#steps"]["text"]
    assert "\u200b放行条\u200b" in steps
    assert "\u200b消防通道\u200b" in steps


@pytest.mark.parametrize("word", list(DOMAIN_WORDS))
def test_domain_word_finds_its_page(fixture_site, word):
    results = search(load_index(fixture_site), word)
    assert DOMAIN_WORDS[word] in results[:3], results


def test_a_word_split_without_the_dictionary_would_not_be_found():
    # the reason for the user dictionary: plain jieba cuts 电梯困人 in two
    import jieba

    tokenizer = jieba.Tokenizer()
    assert "电梯困人" not in list(tokenizer.cut("发生电梯困人时"))
    with (ASSETS / "jieba-user.txt").open("rb") as words:
        tokenizer.load_userdict(words)
    assert "电梯困人" in list(tokenizer.cut("发生电梯困人时"))


def test_searching_in_chromium_finds_the_pages(served_site, browser):
    """The built site's own search (lunr in a web worker), typed into the search box."""
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.goto(served_site, wait_until="networkidle")
    found = {}
    for word, expected in DOMAIN_WORDS.items():
        box = page.locator("input.md-search__input")
        box.click()
        # empty the box and wait for the old results to go, or they would be read as these
        box.fill("")
        box.press("End")
        page.wait_for_selector(".md-search-result__item", state="detached", timeout=15000)
        box.fill(word)
        box.press("End")  # Material searches on keyup; fill() alone types without keys
        page.wait_for_selector(".md-search-result__item a", timeout=15000)
        links = page.eval_on_selector_all(
            ".md-search-result__item > a", "els => els.map(e => e.getAttribute('href'))"
        )
        pages = list(dict.fromkeys(h.replace(served_site, "").split("#")[0] for h in links))
        found[word] = pages
        assert expected in pages[:3], (word, pages)
    page.close()
