"""The service desk's page, its table on hand-written pages, and the words they use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.loader import load_tree
from generator.page import Page
from generator.render import inserts, render

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "site" / "basic"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def tree():
    tree = load_tree(FIXTURE / "sop", FIXTURE / "content", today=TODAY)
    assert tree.ok, tree.problems
    return tree


@pytest.fixture(scope="module")
def page(tree):
    return render(tree, today=TODAY, existing=["index.md", "guide.md"])["desk/svc-desk.md"]


def test_desk_page_tables_each_category_with_its_limits_in_words(page):
    assert page.startswith("---\ntitle: SVC-DESK 服务台受理类别与时限\n")
    assert "search:\n  boost: 1.5\n" in page
    assert (
        "| 类别（类型 · 派给） | 答复 | 到场 | 办结 |\n|---|---|---|---|\n"
        "| [紧急维修](#category-repair-urgent)<br><small>报修 · 工程维修</small> "
        "| 5分钟内 | 10分钟内 | 24小时内 |\n"
        "| [一般投诉](#category-complaint)<br><small>投诉 · 主管</small> "
        "| 48小时内 | — | 2个工作日内（可暂停） |\n"
        "| [表扬与建议](#category-praise)<br><small>表扬与建议 · 客服</small> "
        "| — | — | 5个工作日内 |\n"
    ) in page


def test_desk_page_says_the_pause_and_who_chooses_each_category(page):
    assert "- 标有“可暂停”的类别处理完毕、等业主确认结果期间，办结计时暂停：一般投诉。\n" in page
    assert "- 业主在报事页面不能自己选，由客服登记时选择：表扬与建议。\n" in page


def test_desk_page_details_each_category_under_its_own_anchor(page):
    assert (
        "### 紧急维修 {#category-repair-urgent}\n\n家里正在漏水，或者突然停电、停水。\n\n"
        '<span class="dutybook-who">报修 · 派给工程维修</span> '
        "答复5分钟内；到场10分钟内；办结24小时内\n\n"
        "> 对业主说：维修人员 10 分钟内上门。\n"
    ) in page
    assert "办结2个工作日内（待业主确认时暂停）\n" in page
    # no sentence for the resident where the document gives none
    assert page.count("> 对业主说") == 1


def test_desk_page_shows_call_backs_satisfaction_and_the_calendar(page):
    assert "| 回访 | 每月不少于已办结工单的 50 %，办结后1个工作日内 |\n" in page
    assert "| 业主满意率 | ≥ 90 % |\n" in page
    assert (
        "- 工作日：周一至周五\n"
        "- 2026 年放假日期：10月1日至2日、10月5日\n"
        "- 2026 年调休上班日：10月10日\n"
    ) in page
    assert "- [门岗值守与物品放行](../procedures/sec-gate.md)\n" in page


def test_desk_page_in_english(tree):
    page = render(tree, lang="en", today=TODAY)["desk/svc-desk.md"]
    assert (
        "| [Complaint](#category-complaint)<br><small>Complaint · Supervisor</small> "
        "| within 48 h | — | within 2 working days (may pause) |"
    ) in page
    assert "- Working days: Mon to Fri\n" in page
    assert "- Days off in 2026: 1 Oct to 2 Oct, 5 Oct\n" in page


def test_the_desk_page_is_listed_with_the_procedures_for_its_roles(tree):
    pages = render(tree, today=TODAY)
    service = pages["roles/service.md"]
    procedures = service[service.index("## 制度/SOP") : service.index("## 检查表")]
    assert "- [SVC-DESK 服务台受理类别与时限](../desk/svc-desk.md)\n" in procedures
    assert "SVC-DESK" not in pages["roles/guard.md"]
    assert "| 制度/SOP | 3 |" in pages["index.md"]


def test_a_hand_written_page_gets_the_table_linked_to_the_desk_page(tree):
    made = inserts(tree, ["standards.md", "guides/front-desk.md"])
    top = made["standards.md"]
    assert top.startswith("以下按[服务台受理类别与时限](desk/svc-desk.md)的类别列出")
    assert "| [紧急维修](desk/svc-desk.md#category-repair-urgent)<br>" in top
    assert (
        "| [紧急维修](../desk/svc-desk.md#category-repair-urgent)<br>"
        in (made["guides/front-desk.md"])
    )


def test_without_a_desk_document_the_marker_gives_nothing(tmp_path):
    (tmp_path / "site.yaml").write_bytes((FIXTURE / "sop" / "site.yaml").read_bytes())
    assert inserts(load_tree(tmp_path), ["standards.md"]) == {"standards.md": ""}


@pytest.mark.parametrize(
    ("dates", "words"),
    [
        (["2026-01-01", "2026-01-02", "2026-01-03"], [(2026, "1月1日至3日")]),
        (["2026-02-28", "2026-03-01", "2026-05-09"], [(2026, "2月28日至3月1日、5月9日")]),
        (["2027-01-01", "2026-12-31"], [(2026, "12月31日"), (2027, "1月1日")]),
        (["2026-10-01", "2026-10-01"], [(2026, "10月1日")]),
    ],
)
def test_dates_are_said_as_runs_of_days_by_year(tree, dates, words):
    page = Page(tree, "desk/svc-desk.md", "zh", TODAY, False)
    assert page.date_spans(dt.date.fromisoformat(d) for d in dates) == words


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (["mon", "tue", "wed", "thu", "fri"], "周一至周五"),
        (["mon", "tue", "wed", "thu", "fri", "sat"], "周一至周六"),
        (["sat", "mon", "wed"], "周一、周三、周六"),
        (["mon", "tue"], "周一、周二"),
    ],
)
def test_working_weekdays_in_words(tree, days, words):
    assert Page(tree, "desk/svc-desk.md", "zh", TODAY, False).weekdays(days) == words
