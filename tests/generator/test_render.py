"""The Markdown renderer on the fixture tree: every kind's page, links, anchors, words."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from generator.addresses import KIND_DIRS
from generator.loader import load_tree
from generator.models import KINDS
from generator.render import ENV, render, write

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "site" / "basic"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def tree():
    tree = load_tree(FIXTURE / "sop", FIXTURE / "content", today=TODAY)
    assert tree.ok, tree.problems
    return tree


@pytest.fixture(scope="module")
def pages(tree):
    return render(tree, today=TODAY, existing=["index.md", "guide.md"])


def test_every_page_the_handbook_generates(pages):
    assert sorted(pages) == [
        "checklists/chk-water-tank-print/index.html",
        "checklists/chk-water-tank.md",
        "courses/trn-guard.md",
        "desk/svc-desk.md",
        "emergencies/emg-elevator-trap.md",
        "patrols/jinxiu-qr/index.html",
        "patrols/ptl-jx-night.md",
        "procedures/eng-renovation.md",
        "procedures/sec-gate.md",
        "roles/cleaner.md",
        "roles/engineer.md",
        "roles/gm.md",
        "roles/greener.md",
        "roles/guard.md",
        "roles/manager.md",
        "roles/service.md",
        "roles/supervisor.md",
        "tags.md",
    ]


def test_a_generated_home_page_only_without_a_hand_written_one(tree):
    assert "index.md" in render(tree, today=TODAY)
    assert "index.md" not in render(tree, today=TODAY, existing=["index.md"])


def test_every_kind_but_site_has_a_template():
    templates = set(ENV.list_templates())
    for kind in KINDS:
        if kind != "site":
            assert f"{kind}.md.j2" in templates
            assert kind in KIND_DIRS


def test_templates_fail_on_undefined_names():
    with pytest.raises(UndefinedError, match="'nope' is undefined"):
        ENV.from_string("{{ nope }}").render()


def test_procedure_page(pages):
    page = pages["procedures/sec-gate.md"]
    assert page.startswith(
        "---\ntitle: SEC-GATE 门岗值守与物品放行\ntags:\n- 秩序维护员\n"
        "search:\n  boost: 1.5\nhide:\n- tags\n---\n"
    )
    # the card folds into one line and stays out of search previews
    assert '<details class="dutybook-card" data-search-exclude markdown="0">' in page
    assert "<summary>版本 2.1 · 负责岗位：主管</summary>" in page
    assert "<div><dt>版本</dt><dd>2.1</dd></div>" in page
    assert "<div><dt>负责岗位</dt><dd>主管</dd></div>" in page
    assert "<div><dt>下次复审</dt><dd>2027-06-30</dd></div>" in page
    assert "| 路灯完好率 | ≥ 95 % |\n| 接报后到场时间 | ≤ 15 分钟 |" in page
    assert (
        '1. <span class="dutybook-anchor" id="step-check-visitor"></span>访客进入时登记姓名、'
        '电话和拜访房号，并与业主电话确认。 <span class="dutybook-who">秩序维护员 · 5分钟内</span>'
    ) in page
    assert '3. <span class="dutybook-anchor" id="step-3"></span>每两小时' in page
    assert (
        '    !!! warning "注意"\n\n        没有放行条的大件物品一律不得放行，并立即报告当班主管。\n'
    ) in page
    assert "- [电梯困人应急预案](../emergencies/emg-elevator-trap.md)" in page
    assert "| 2.1 | 2026-01-01 | 增加消防通道检查 |" in page
    assert page.index("## 目的") < page.index("## 适用范围") < page.index("## 工作标准")
    assert page.index("## 工作标准") < page.index("## 操作步骤") < page.index("## 修订记录")


def test_overdue_badge_appears_after_the_review_date(tree):
    late = render(tree, today=dt.date(2027, 7, 1))["procedures/sec-gate.md"]
    assert (
        '<dd>2027-06-30 <span class="dutybook-badge dutybook-overdue">已过复审期</span></dd>'
        in late
    )
    on_time = render(tree, today=dt.date(2027, 6, 30))["procedures/sec-gate.md"]
    assert "dutybook-overdue" not in on_time


def test_emergency_page_puts_calls_and_first_actions_first_and_every_number_is_tappable(pages):
    page = pages["emergencies/emg-elevator-trap.md"]
    assert page.index('<div class="dutybook-calls"') < page.index("## 先期处置")
    assert page.index("## 先期处置") < page.index("## 启动条件") < page.index("## 事件分级")
    assert page.index("## 事件分级") < page.index("## 紧急联系电话") < page.index("## 逐级上报")
    # the card (version, dates) comes last, after what to do
    assert page.index("## 逐级上报") < page.index('<details class="dutybook-card"')
    assert (
        '1. <span class="dutybook-anchor" id="action-1"></span><span class="dutybook-who">'
        "秩序维护员 · 1分钟内</span> 监控中心通过对讲安抚被困人员"
    ) in page
    assert (
        "- 监控中心（24 小时）：[0000-6000-0001](tel:000060000001){ .dutybook-tel }（示例号码）"
        in page
    )
    assert (
        "- 报警与急救：报警电话 [110](tel:110){ .dutybook-tel } · 火警电话 [119](tel:119)"
        "{ .dutybook-tel } · 急救电话 [120](tel:120){ .dutybook-tel }"
    ) in page
    assert "1. **主管** — 接报后立即\n2. **项目经理** — 困人超过 15 分钟\n" in page
    assert "- 火警电话：[119](tel:119){ .dutybook-tel } — 维保单位 30 分钟内无法到场" in page
    assert "| 事件开始时间 | 日期时间 |\n| 被困人数 | 数值 |" in page
    assert "## 演练频次 {#drill}\n\n每半年一次\n" in page


def test_checklist_page_groups_by_area_and_links_to_steps(pages):
    page = pages["checklists/chk-water-tank.md"]
    assert "<div><dt>频次</dt><dd>每日两次（09:00、15:00）</dd></div>" in page
    assert "<div><dt>班次</dt><dd>白班 08:00–20:00</dd></div>" in page
    assert "[打印纸质版（A4）](chk-water-tank-print/index.html){ .md-button }" in page
    assert page.index("### 水泵房") < page.index("### 二次供水水箱") < page.index("### 其他")
    assert "    - [见《门岗值守与物品放行》第 2 步](../procedures/sec-gate.md#step-release)" in page
    assert "    - [见《门岗值守与物品放行》第 3 步](../procedures/sec-gate.md#step-3)" in page
    assert (
        "    - 异常处理：压力异常立即报告当班主管 → "
        "[电梯困人应急预案](../emergencies/emg-elevator-trap.md)"
    ) in page
    assert '**1. 进水压力** <span class="dutybook-who">数值 · 0.15–0.45 MPa · 必填</span>' in page


def test_checklist_paper_form_has_a_column_per_round_and_boxes(pages):
    """A whole HTML page of its own: no theme, navigation or search; a column per round."""
    page = pages["checklists/chk-water-tank-print/index.html"]
    assert page.startswith('<!doctype html>\n<html lang="zh-CN">')
    assert "<title>二次供水水箱与水泵房巡检（纸质记录表）</title>" in page
    assert '<link rel="stylesheet" href="../../assets/dutybook.css">' in page
    assert '<a href="../chk-water-tank/">← 返回：二次供水水箱与水泵房巡检</a>' in page
    assert (
        '<tr><th scope="col" rowspan="2">序号</th><th scope="col" rowspan="2">区域</th>'
        '<th scope="col" rowspan="2">检查内容</th><th scope="col" rowspan="2">标准</th>'
        '<th scope="colgroup" colspan="3">09:00</th><th scope="colgroup" colspan="3">15:00</th></tr>'
    ) in page
    round_cells = (
        '<td class="dutybook-tick">☐</td><td class="dutybook-tick">☐</td>'
        '<td class="dutybook-value">＿＿＿＿MPa</td>'
    )
    assert (
        "<tr><td>1</td><td>水泵房</td><td>进水压力</td><td>0.15–0.45 MPa</td>"
        + round_cells * 2
        + "</tr>"
    ) in page
    assert '<td class="dutybook-value">拍照（用手机应用）</td>' in page


def test_paper_form_escapes_authored_text(tree):
    doc = tree.documents["CHK-WATER-TANK"]
    item = doc.items[0]
    original = item.text
    object.__setattr__(item, "text", "<script>alert(1)</script> & 水压")
    try:
        page = render(tree, today=TODAY)["checklists/chk-water-tank-print/index.html"]
    finally:
        object.__setattr__(item, "text", original)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 水压" in page
    assert "<script>" not in page


def test_print_pages_link_back_without_directory_urls(tree):
    pages = render(tree, today=TODAY, directory_urls=False)
    assert (
        '<a href="../chk-water-tank.html">' in pages["checklists/chk-water-tank-print/index.html"]
    )


def test_patrol_page(pages):
    page = pages["patrols/ptl-jx-night.md"]
    assert (
        "| 夜班 20:00–08:00 | 每班四次 | — | 2 人 |\n| 白班 08:00–20:00 | 每班三次 | — | 1 人 |"
        in page
    )
    assert "<div><dt>巡查顺序</dt><dd>按顺序逐点巡查</dd></div>" in page
    assert page.index("**北门岗**") < page.index("**3 栋消防通道**") < page.index("**配电房**")
    assert "[下载全部二维码 PDF](jinxiu-qr/qr.pdf){ .md-button }" in page
    assert "[巡更点二维码（打印张贴）](jinxiu-qr/index.html){ .md-button }" in page
    # name and area from the site document, the code as the route names it
    assert (
        '3. <span class="dutybook-anchor" id="cp-JX-CP-03"></span>**配电房** '
        '<span class="dutybook-who">配电房 · <code>JX-CP-03</code></span>' in page
    )
    posters = pages["patrols/jinxiu-qr/index.html"]
    assert '<img class="dutybook-qr" src="02-JX-CP-02.svg" alt="JX-CP-02">' in posters
    assert '<a href="../ptl-jx-night/">' in posters


SECOND_ROUTE = """kind: patrol
id: PTL-JX-DAY
title: 锦绣花园白天巡更
version: "1.0"
owner: supervisor
roles: [guard]
effective: 2026-01-01
review_by: 2027-06-30
site: jinxiu
schedule: [{every: shift, times: 3, shifts: [day]}]
time_allowed: 30m
checkpoints:
  - {code: JX-CP-02, tasks: [登高场地无车辆]}
  - {code: JX-CP-01, tasks: [核对访客登记]}
"""


def test_a_place_two_routes_pass_gets_one_poster(tmp_path):
    """Posters are the property's: the gate and the fire lane, on both routes, print once."""
    shutil.copytree(FIXTURE, tmp_path / "basic")
    sop = tmp_path / "basic" / "sop"
    (sop / "patrol-day.yaml").write_text(SECOND_ROUTE, encoding="utf-8")
    site = (sop / "site.yaml").read_text(encoding="utf-8")
    merged = "{code: JX-CP-01, name: 北门岗, area: gate, replaces: [JX-ON-01]}"
    (sop / "site.yaml").write_text(
        site.replace("{code: JX-CP-01, name: 北门岗, area: gate}", merged), encoding="utf-8"
    )
    tree = load_tree(sop, tmp_path / "basic" / "content", today=TODAY)
    assert tree.ok, tree.problems
    pages = render(tree, today=TODAY)
    assert [u for u in pages if u.endswith("index.html") and "-qr/" in u] == [
        "patrols/jinxiu-qr/index.html"
    ]
    posters = pages["patrols/jinxiu-qr/index.html"]
    codes = re.findall(r'<img class="dutybook-qr" src="[^"]+" alt="([^"]+)">', posters)
    assert codes == ["JX-CP-01", "JX-CP-02", "JX-CP-03"]
    assert '<p class="dutybook-poster-route">锦绣花园 · 1/3</p>' in posters
    # the merged place's poster tells whoever puts it up to take the old one down
    assert (
        '<p class="dutybook-poster-old">取代旧码 JX-ON-01：张贴后请撕下旧码（旧码仍可扫描）</p>'
        in (posters)
    )
    assert '<a href="../ptl-jx-day/">← 返回：锦绣花园白天巡更</a>' in posters
    assert '<a href="../ptl-jx-night/">← 返回：锦绣花园夜间巡更</a>' in posters
    # both routes link to the one sheet
    for route in ("ptl-jx-day", "ptl-jx-night"):
        assert "[巡更点二维码（打印张贴）](jinxiu-qr/index.html)" in pages[f"patrols/{route}.md"]


def test_patrol_page_leaves_out_the_pdf_link_when_no_pdf_is_built(tree):
    page = render(tree, today=TODAY, pdf=False)["patrols/ptl-jx-night.md"]
    assert "qr.pdf" not in page


def test_course_page_shows_the_quiz_without_answers(pages):
    page = pages["courses/trn-guard.md"]
    assert "1. [门岗值守与物品放行](../procedures/sec-gate.md)" in page
    assert "2. [电梯困人怎么办](../emergencies/emg-elevator-trap.md)" in page
    assert "3. [服务原则](../guide.md)" in page
    assert "1. 业主搬出大件物品，门岗凭什么放行？（单选）\n    - A. 业主口头说明\n" in page
    assert "2. 发现有人被困电梯，应当怎么做？（多选）" in page
    assert "正确答案" not in page and "解析" not in page
    assert "answer" not in page


def test_role_page_lists_what_applies_to_the_role(pages):
    page = pages["roles/guard.md"]
    assert "- [SEC-GATE 门岗值守与物品放行](../procedures/sec-gate.md)\n" in page
    assert (
        "- [PTL-JX-NIGHT 锦绣花园夜间巡更](../patrols/ptl-jx-night.md) — "
        "夜班 20:00–08:00：每班四次；白班 08:00–20:00：每班三次"
    ) in page
    assert "## 检查表 {#checklist}\n\n暂无\n" in page
    assert "ENG-RENOVATION" not in page


def test_english_labels(tree):
    pages = render(tree, lang="en", today=TODAY)
    page = pages["procedures/sec-gate.md"]
    assert "## Steps {#steps}" in page
    assert '<span class="dutybook-who">Guard · within 5 min</span>' in page
    paper = pages["checklists/chk-water-tank-print/index.html"]
    assert '<html lang="en">' in paper
    assert "← Back to " in paper and '<th scope="col" rowspan="2">No.</th>' in paper
    assert '<th scope="col">Pass</th><th scope="col">Fail</th>' in paper
    assert "Print from the browser on A4 paper" in paper


def test_write_puts_the_same_markdown_on_disk(pages, tmp_path):
    written = write(pages, tmp_path)
    assert len(written) == len(pages)
    for uri, markdown in pages.items():
        assert (tmp_path / uri).read_text(encoding="utf-8") == markdown
