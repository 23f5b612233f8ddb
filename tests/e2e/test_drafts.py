"""Work in progress is on the device the moment it is entered: closing the tab loses nothing."""

from __future__ import annotations

from tests.e2e.helpers import go, sign_in

# Type a value the way a keyboard does (an input event), then close the tab at once.
TYPE = """(value) => {
  const el = document.querySelector('#item-inlet-pressure input');
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}"""


def test_closing_the_tab_right_after_a_change_keeps_it(server, context, page):
    sign_in(page, server.url)
    context.set_offline(True)
    go(page, "#/checklist/CHK-PUMP-ROOM")
    page.wait_for_selector("#item-inlet-pressure input")
    for value in ["0.31", "0.32", "0.33"]:
        tab = context.new_page()
        tab.goto(server.url + "/app/#/checklist/CHK-PUMP-ROOM")
        tab.wait_for_selector("#item-inlet-pressure input")
        tab.evaluate(TYPE, value)
        tab.click('#item-leaks button[data-v="0"]')
        tab.close()  # no unload handlers, no waiting: the tab is simply gone
        page.reload()
        page.wait_for_selector("#item-inlet-pressure input")
        assert page.get_by_label("进水压力（MPa）").input_value() == value
        assert page.get_attribute('#item-leaks button[data-v="0"]', "aria-pressed") == "true"
        # the same run, not a new one per tab
        drafts = page.evaluate("window.dutybook.store.draftsOf('wang')")
        assert [(d["type"], d["values"]["inlet-pressure"]) for d in drafts] == [
            ("checklist_run", float(value))
        ]
        page.click('#item-leaks button[data-v="1"]')
    assert page.errors == []
