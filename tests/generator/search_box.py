"""Typing into the handbook's own Material search box in Chromium and reading the results."""

from __future__ import annotations

from playwright.sync_api import Page

BOX = "input.md-search__input"
META = ".md-search-result__meta"


def open_search(page: Page, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    # on a phone the box hides behind the magnifier in the header, as staff see it
    page.locator("label.md-header__button[for=__search]").click()
    page.locator(BOX).wait_for(state="visible")


def results(page: Page, base: str, query: str) -> list[str]:
    """The pages (without #section) the search box lists for `query`, best first."""
    box = page.locator(BOX)
    box.fill("")
    box.press("End")
    page.wait_for_selector(".md-search-result__item", state="detached", timeout=15000)
    empty = page.eval_on_selector(META, "e => e.textContent")
    box.fill(query)
    box.press("End")  # Material searches on keyup; fill() alone types without keys
    # a function, not an expression: the server's CSP forbids eval() on handbook pages
    page.wait_for_function(
        "([meta, empty]) => document.querySelector(meta).textContent !== empty",
        arg=[META, empty],
        timeout=15000,
    )
    links = page.eval_on_selector_all(
        ".md-search-result__item > a", "els => els.map(e => e.getAttribute('href'))"
    )
    return list(dict.fromkeys(h.replace(base, "").split("#")[0].split("?")[0] for h in links))
