"""Steps a person takes in the app, shared by the browser tests and the benchmark."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import PASSWORD

# how far the screen sits below the status line: a banner must not push it down
SCREEN_GAP = (
    "() => document.getElementById('main').getBoundingClientRect().top"
    " - document.getElementById('sync-state').getBoundingClientRect().bottom"
)

# Records what the install banner (#install) says each time it changes, in window.__install,
# and the screen's gap (SCREEN_GAP) at that moment.
WATCH_INSTALL = f"""{{
window.__install = [];
const gap = {SCREEN_GAP};
new MutationObserver(() => {{
  const box = document.getElementById('install');
  if (box && !box.hidden) {{
    const bar = box.querySelector('progress');
    window.__install.push({{ text: box.textContent.trim(), value: bar.value, max: bar.max, gap: gap() }});
  }}
}}).observe(document, {{ subtree: true, childList: true, attributes: true, characterData: true }});
}}"""


def sign_in(page, base_url: str, username: str = "wang") -> None:
    page.goto(base_url + "/app/")
    page.wait_for_selector('body[data-ready="1"]')
    page.fill("input[autocomplete=username]", username)
    page.fill("input[type=password]", PASSWORD)
    page.click("form button[type=submit]")
    try:
        page.wait_for_selector("#emergency-button")
    except Exception as exc:
        # what the phone shows instead: the sign-in error, or a screen that never came
        shown = page.evaluate(
            "() => ({ text: document.getElementById('main')?.innerText,"
            " fields: [...document.querySelectorAll('#main input')].map((i) => i.value.length),"
            " body: { ...document.body.dataset }, online: navigator.onLine })"
        )
        raise AssertionError(f"sign-in did not reach Today; the screen shows: {shown!r}") from exc
    # the service worker has precached the app and the whole handbook
    try:
        page.wait_for_selector("body[data-offline-ready]", timeout=60_000)
    except Exception as exc:
        state = page.evaluate(
            "async () => { const r = await navigator.serviceWorker.getRegistration();"
            " return { controlled: !!navigator.serviceWorker.controller,"
            " installing: r?.installing?.state, waiting: r?.waiting?.state,"
            " active: r?.active?.state }; }"
        )
        raise AssertionError(f"the app did not get ready for offline use: {state}") from exc


def unsynced(page) -> int:
    return int(page.get_attribute("#unsynced", "data-count"))


def wait_unsynced(page, n: int, timeout: float = 20_000) -> None:
    try:
        # a function, not an expression: the app's CSP forbids eval()
        page.wait_for_function(
            "(n) => document.querySelector('#unsynced').dataset.count === String(n)",
            arg=n,
            timeout=timeout,
        )
    except Exception as exc:
        left = page.evaluate(
            "async () => (await window.dutybook.store.outboxAll())"
            ".map((e) => [e.record.type, e.status, e.error])"
        )
        raise AssertionError(f"outbox did not reach {n}: {left}") from exc


def jpeg_bytes(colour: str = "#3366aa", size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A camera-sized photo: the app must shrink it before storing it."""
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def go(page, hash_: str) -> None:
    page.evaluate(f"location.hash = {hash_!r}")


def outbox_ids(page) -> list[str]:
    return page.evaluate(
        "async () => (await window.dutybook.store.outboxAll()).map((e) => e.id).sort()"
    )


def acknowledge(page, doc_id: str = "ENG-REPAIR") -> None:
    go(page, f"#/read/{doc_id}")
    page.click("#ack")
    page.wait_for_selector(".learn")
