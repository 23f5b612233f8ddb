"""Paper that prints right: one QR poster per A4 sheet, forms that say pass or fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.loader import load_tree
from tests.generator.conftest import FIXTURE

pytestmark = pytest.mark.timeout(300)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def print_pdf(browser, url: str) -> bytes:
    page = browser.new_page()
    page.goto(url, wait_until="networkidle")
    data = page.pdf(format="A4", prefer_css_page_size=True)
    page.close()
    return data


def test_qr_posters_print_one_per_a4_page(served_site, browser):
    site = load_tree(FIXTURE / "sop").site
    (jinxiu,) = (p for p in site.properties if p.id == "jinxiu")
    data = print_pdf(browser, served_site + "patrols/jinxiu-qr/")
    assert len(jinxiu.checkpoints) >= 2
    assert pdf_pages(data) == len(jinxiu.checkpoints)


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in rows
    ]


def test_paper_form_has_pass_fail_and_value_columns_per_round(fixture_site: Path):
    html = (fixture_site / "checklists" / "chk-water-tank-print" / "index.html").read_text("utf-8")
    table = html[html.index('<table class="dutybook-paper">') : html.index("</table>")]
    head, sub, *body = cells(table)
    assert head == ["序号", "区域", "检查内容", "标准", "09:00", "15:00"]
    assert sub == ["合格", "不合格", "读数/说明"] * 2
    by_item = {row[2]: row[4:] for row in body}
    assert by_item["进水压力"] == ["☐", "☐", "＿＿＿＿MPa"] * 2
    assert by_item["水箱盖板加锁完好"] == ["☐", "☐", ""] * 2
    assert by_item["水泵运行状态"] == ["☐", "☐", "☐自动 ☐手动 ☐停机检修"] * 2
    assert by_item["水箱外观照片（选填）"] == ["☐", "☐", "拍照（用手机应用）"] * 2


def test_a_twice_daily_form_has_a_time_and_signature_row_per_round(fixture_site: Path):
    html = (fixture_site / "checklists" / "chk-water-tank-print" / "index.html").read_text("utf-8")
    table = html[html.index('<table class="dutybook-paper dutybook-rounds">') :]
    table = table[: table.index("</table>")]
    assert cells(table) == [["轮次", "时间", "检查人签字"], ["09:00", "", ""], ["15:00", "", ""]]
