"""Building handbooks: the real one with --strict, the fixture one page by page, errors, swaps."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import qr
from generator.bundle import bundle, sha256
from generator.loader import load_tree
from tests.generator.conftest import ARTIFACTS, FIXTURE, ROOT, mkdocs_build

pytestmark = pytest.mark.timeout(600)


def html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def article(site: Path, url: str) -> str:
    page = html(site, url)
    return page[page.index('<article class="md-content__inner md-typeset">') :]


def test_real_handbook_builds_with_strict(real_site):
    """sop/ and content/ as committed: no broken link, no warning, no content problem."""
    data = json.loads((real_site / "handbook.json").read_text(encoding="utf-8"))
    assert len(data["documents"]) == len(load_tree(ROOT / "sop").documents)


CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
STRAY_SPACE = re.compile(f"[{CJK}][ \t]+[{CJK}]")
AUTHOR_WORDS = re.compile(r"种子材料|种子文件|作者|编者|\bTODO\b|\bFIXME\b")


def staff_pages(site: Path) -> dict[str, str]:
    """The text of every page staff read (the authoring guide is for authors)."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        url = path.relative_to(site).as_posix()
        if url.startswith("authors/") or url == "404.html":
            continue
        page = path.read_text(encoding="utf-8")
        start = page.find('<article class="md-content__inner md-typeset">')
        pages[url] = page[start:] if start >= 0 else page
    return pages


def test_real_handbook_shows_no_author_notes(real_site):
    found = {
        url: m.group() for url, p in staff_pages(real_site).items() if (m := AUTHOR_WORDS.search(p))
    }
    assert found == {}


def test_real_handbook_has_no_stray_spaces_in_chinese(real_site):
    """A YAML fold or a template must never leave "袖章； 查看" on a page."""
    found = {
        url: STRAY_SPACE.findall(page)[:3]
        for url, page in staff_pages(real_site).items()
        if STRAY_SPACE.search(page)
    }
    assert found == {}
    assert len(staff_pages(real_site)) > 100


def test_real_quiz_says_multiple_choice_once(real_site):
    page = article(real_site, "courses/trn-guard-onboard")
    assert "（多选）（多选）" not in page
    assert "（多选）" in page


def test_fixture_site_has_a_page_per_document(fixture_site):
    for url in [
        "procedures/sec-gate",
        "procedures/eng-renovation",
        "checklists/chk-water-tank",
        "checklists/chk-water-tank-print",
        "patrols/ptl-jx-night",
        "patrols/jinxiu-qr",
        "emergencies/emg-elevator-trap",
        "courses/trn-guard",
        "desk/svc-desk",
        "roles/guard",
        "tags",
        "guide",
    ]:
        assert (fixture_site / url / "index.html").is_file(), url


def test_navigation_order(fixture_site):
    page = html(fixture_site, "")
    labels = [s.strip() for s in re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', page)]
    # site name, then the home page twice (its entry and the open page's own label)
    assert labels == [
        "测试手册",
        "员工手册（测试）",
        "员工手册（测试）",
        "服务原则",
        "制度/SOP",
        "检查表",
        "巡更路线",
        "应急预案",
        "培训",
        "按岗位",
        "标签",
    ]
    assert '<html lang="zh"' in page


def test_sop_page_in_html(fixture_site):
    page = article(fixture_site, "procedures/sec-gate")
    assert "<div><dt>版本</dt><dd>2.1</dd></div>" in page
    assert "<td>路灯完好率</td>\n<td>≥ 95 %</td>" in page
    assert len(re.findall(r"<li>\s*<p><span class=\"dutybook-anchor\" id=\"step-", page)) == 3
    assert (
        '<div class="admonition warning">\n<p class="admonition-title">注意</p>\n'
        "<p>没有放行条的大件物品一律不得放行，并立即报告当班主管。</p>" in page
    )
    assert '<a href="../../emergencies/emg-elevator-trap/">电梯困人应急预案</a>' in page
    assert '<a href="../../tags/#tag:秩序维护员" class="md-tag">秩序维护员</a>' in html(
        fixture_site, "procedures/sec-gate"
    )


def test_emergency_page_in_html(fixture_site):
    page = article(fixture_site, "emergencies/emg-elevator-trap")
    buttons = re.findall(r'<a class="md-button[^"]*dutybook-call" href="(tel:[0-9+]+)">', page)
    # call buttons first: the public numbers, then the plan's own contacts
    assert buttons == ["tel:110", "tel:119", "tel:120", "tel:000060000001", "tel:000060001001"]
    assert page.index('class="dutybook-calls"') < page.index('id="first-actions"')
    tels = re.findall(r'<a class="dutybook-tel" href="(tel:[0-9+]+)">', page)
    # the contacts section lists every number again, then the escalation chain
    assert tels == [
        "tel:000060000001",
        "tel:000060001001",
        "tel:110",
        "tel:119",
        "tel:120",
        "tel:119",
    ]
    assert (
        page.index('id="first-actions"')
        < page.index('id="triggers"')
        < page.index('id="contacts"')
        < page.index('id="escalation"')
        < page.index('id="record"')
    )
    assert '<h2 id="drill">演练频次' in page and "<p>每半年一次</p>" in page


def test_checklist_page_in_html(fixture_site):
    page = article(fixture_site, "checklists/chk-water-tank")
    assert "<dd>每日两次（09:00、15:00）</dd>" in page
    assert (
        '<a href="../../procedures/sec-gate/#step-release">见《门岗值守与物品放行》第 2 步</a>'
        in page
    )
    assert 'id="step-release"' in html(fixture_site, "procedures/sec-gate")
    assert '<a class="md-button" href="../chk-water-tank-print/">打印纸质版（A4）</a>' in page
    # the paper form is copied as written: a page of its own, without the theme's chrome
    paper = html(fixture_site, "checklists/chk-water-tank-print")
    # two rounds: pass and fail boxes for four items, and the choice's three options
    assert paper.count("☐") == 2 * (4 * 2 + 3)
    assert '<th scope="colgroup" colspan="3">09:00</th>' in paper
    assert "md-sidebar" not in paper and "md-search" not in paper
    assert (fixture_site / "checklists" / "chk-water-tank" / "index.html").is_file()
    search = (fixture_site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "chk-water-tank-print" not in search
    css = (fixture_site / "assets" / "dutybook.css").read_text(encoding="utf-8")
    assert "@media print" in css and "size: A4" in css
    assert 'href="../../assets/dutybook.css"' in html(fixture_site, "checklists/chk-water-tank")


def test_patrol_page_and_posters_in_html(fixture_site):
    page = article(fixture_site, "patrols/ptl-jx-night")
    assert "<td>夜班 20:00–08:00</td>\n<td>每班四次</td>\n<td>—</td>\n<td>2 人</td>" in page
    assert '<a class="md-button" href="../jinxiu-qr/qr.pdf">下载全部二维码 PDF</a>' in page
    assert '<a class="md-button" href="../jinxiu-qr/">巡更点二维码（打印张贴）</a>' in page
    # the route lists each checkpoint by the name the site document gives it
    assert "<strong>配电房</strong>" in page and "<code>JX-CP-03</code>" in page
    posters = html(fixture_site, "patrols/jinxiu-qr")
    assert posters.count('class="dutybook-poster"') == 3
    assert '<img class="dutybook-qr" src="03-JX-CP-03.svg" alt="JX-CP-03">' in posters
    assert (fixture_site / "patrols" / "jinxiu-qr" / "03-JX-CP-03.svg").is_file()


def _pdf_objects(data: bytes) -> bytes:
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end() :]))
        except zlib.error:
            continue
    return b"".join(parts)


def test_patrol_pdf_has_one_page_per_checkpoint_in_noto_cjk(fixture_site):
    data = (fixture_site / "patrols" / "jinxiu-qr" / "qr.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    objects = _pdf_objects(data)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", objects)) == 3
    assert b"Noto-Sans-CJK-SC" in objects


def test_every_qr_code_decodes_to_its_checkpoint_code(fixture_site, browser):
    import zxingcpp
    from PIL import Image

    tree = load_tree(FIXTURE / "sop")
    page = browser.new_page(viewport={"width": 400, "height": 400})
    checked = 0
    for posters in qr.sheets(tree).values():
        for poster in posters:
            svg = fixture_site / poster.svg
            page.goto(svg.as_uri())
            png = ARTIFACTS / f"qr-{svg.stem}.png"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(png))
            results = zxingcpp.read_barcodes(Image.open(png))
            assert [r.text for r in results] == [poster.code]
            checked += 1
    page.close()
    assert checked == 3


def test_course_page_in_html_hides_answers(fixture_site):
    page = article(fixture_site, "courses/trn-guard")
    assert "<li>B. 管理处开具的放行条</li>" in page
    assert "这句解析不应出现在页面上" not in html(fixture_site, "courses/trn-guard")
    assert '<a href="../../guide/">服务原则</a>' in page


def test_no_request_leaves_the_origin(fixture_site):
    for path in fixture_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', text)
        loads = [
            u
            for u in re.findall(r'<(?:script|img|link)[^>]*?(?:src|href)="(https?://[^"]+)"', text)
            if not u.startswith("http://127.0.0.1:8000/")
        ]
        assert loads == [], (path, loads)
        assert "fonts.googleapis.com" not in text, path
        assert all(
            u.startswith(("http://127.0.0.1:8000/", "https://squidfunk.github.io/"))
            for u in external
        ), (path, external)


def test_bundle_is_written_and_hashes_are_deterministic(fixture_site):
    data = json.loads((fixture_site / "handbook.json").read_text(encoding="utf-8"))
    assert data["format"] == 1
    assert sorted(data["documents"]) == [
        "CHK-WATER-TANK",
        "EMG-ELEVATOR-TRAP",
        "ENG-RENOVATION",
        "ORG-DEMO",
        "PTL-JX-NIGHT",
        "SEC-GATE",
        "SVC-DESK",
        "TRN-GUARD",
    ]
    checklist = data["documents"]["CHK-WATER-TANK"]
    assert checklist["url"] == "checklists/chk-water-tank/"
    # the handbook's words for the app, in both languages (no "30m" or "1–" on a phone)
    assert checklist["derived"] == {
        "schedule": "每日两次",
        "time_allowed": "30分钟",
        "ranges": {"inlet-pressure": "0.15–0.45 MPa"},
    }
    assert checklist["derived_en"] == {
        "schedule": "twice a day",
        "time_allowed": "30 min",
        "ranges": {"inlet-pressure": "0.15–0.45 MPa"},
    }
    assert checklist["doc"]["items"][0]["sop"] == "SEC-GATE#release"
    assert data["documents"]["TRN-GUARD"]["doc"]["quiz"][0]["answer"] == [2]
    assert data["site"]["id"] == "ORG-DEMO"
    for entry in data["documents"].values():
        assert entry["hash"] == sha256({k: v for k, v in entry.items() if k != "hash"})
    assert data["hash"] == sha256(
        {"format": 1, "documents": {k: v["hash"] for k, v in data["documents"].items()}}
    )
    tree = load_tree(FIXTURE / "sop")
    urls = {k: v["url"] for k, v in data["documents"].items()}
    again = bundle(tree, urls)
    assert again["hash"] == data["hash"]
    assert {k: v["hash"] for k, v in again["documents"].items()} == {
        k: v["hash"] for k, v in data["documents"].items()
    }


def test_a_changed_document_changes_its_hash_and_only_its_hash(tmp_path):
    shutil.copytree(FIXTURE / "sop", tmp_path / "sop")
    before = bundle(load_tree(tmp_path / "sop"))
    path = tmp_path / "sop" / "checklist.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("进水压力", "进水压力表读数"), encoding="utf-8"
    )
    after = bundle(load_tree(tmp_path / "sop"))
    changed = [
        k
        for k in before["documents"]
        if before["documents"][k]["hash"] != after["documents"][k]["hash"]
    ]
    assert changed == ["CHK-WATER-TANK"]
    assert before["hash"] != after["hash"]


def _broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "handbook"
    shutil.copytree(FIXTURE, copy)
    path = copy / "sop" / "checklist.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("sop: SEC-GATE#release", "sop: SEC-GATE#nine").replace(
        "emergency: EMG-ELEVATOR-TRAP", "emergency: EMG-NOWHERE"
    )
    path.write_text(text, encoding="utf-8")
    return copy


def _dutybook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dutybook"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


EXPECTED_ERRORS = [
    'sop/checklist.yaml:14:6: error: items.0.sop: procedure "SEC-GATE" has no step "nine" '
    "(it has 3 steps)",
    'sop/checklist.yaml:14:56: error: items.0.on_fail.emergency: no document with id "EMG-NOWHERE"',
]


def test_content_errors_stop_mkdocs_with_the_lines_check_prints(tmp_path):
    copy = _broken_copy(tmp_path)
    check = _dutybook("check", "sop", cwd=copy)
    assert check.returncode == 1
    assert check.stdout.splitlines() == EXPECTED_ERRORS
    result = mkdocs_build(copy / "mkdocs.yml", copy / "site")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    start = lines.index(EXPECTED_ERRORS[0])
    assert lines[start : start + 2] == EXPECTED_ERRORS
    assert "Aborted with 2 content errors in" in result.stdout
    assert "Traceback" not in result.stderr


def test_dutybook_build_fails_on_content_errors_and_keeps_the_old_site(tmp_path):
    copy = _broken_copy(tmp_path)
    site = copy / "site"
    site.mkdir()
    (site / "old.txt").write_text("old", encoding="utf-8")
    result = _dutybook("build", cwd=copy)
    assert result.returncode == 1
    assert result.stdout.splitlines() == EXPECTED_ERRORS
    assert (site / "old.txt").read_text(encoding="utf-8") == "old"


def test_dutybook_build_swaps_the_new_site_in(tmp_path):
    copy = tmp_path / "handbook"
    shutil.copytree(FIXTURE, copy)
    site = copy / "site"
    site.mkdir()
    (site / "stale.html").write_text("stale", encoding="utf-8")
    result = _dutybook("build", "--site-dir", "site", cwd=copy)
    assert result.returncode == 0, result.stderr
    assert "==> checking sop" in result.stderr
    assert re.search(r"==> \d+ pages and handbook.json in .*site \(\d+\.\d s\)", result.stderr)
    assert not (site / "stale.html").exists()
    assert (site / "handbook.json").is_file() and (
        site / "procedures/sec-gate/index.html"
    ).is_file()
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []


def test_english_interface_by_configuration(tmp_path):
    result = mkdocs_build(FIXTURE / "mkdocs.yml", tmp_path / "site", lang="en")
    assert result.returncode == 0, result.stderr
    page = html(tmp_path / "site", "procedures/sec-gate")
    assert '<html lang="en"' in page
    assert '<h2 id="steps">Steps' in page
    assert "<div><dt>Owner</dt><dd>Supervisor</dd></div>" in page


@pytest.mark.parametrize(
    "url", ["procedures/sec-gate", "emergencies/emg-elevator-trap", "desk/svc-desk"]
)
def test_pages_fit_a_360_px_phone(served_site, browser, url):
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(served_site + url + "/", wait_until="networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{url.replace('/', '-')}-360.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width <= 360
    assert [r for r in requests if not r.startswith(served_site)] == []


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


def test_serve_docs_rebuilds_when_a_yaml_file_changes(tmp_path):
    """`dutybook serve-docs` (mkdocs serve, nothing forked): an edited title shows up."""
    import time

    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DUTYBOOK_LANG", None)
    dutybook = Path(sys.executable).parent / "dutybook"
    command = [dutybook, "serve-docs", "-a", f"127.0.0.1:{port}"]
    command += ["--config", str(project / "mkdocs.yml")]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}/"

    def wait_for(path: str, text: str, seconds: float = 90) -> bytes:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status, body = _get(base + path)
            if status == 200 and text.encode() in body:
                return body
            assert server.poll() is None, log.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.5)
        raise AssertionError(f"{path} never showed {text!r}")

    try:
        wait_for("procedures/sec-gate/", "门岗值守与物品放行")
        svg = wait_for("patrols/jinxiu-qr/03-JX-CP-03.svg", "<svg")
        assert b"JX-CP-03" in svg
        wait_for("checklists/chk-water-tank-print/", "纸质记录表")
        source = project / "sop" / "procedures.yaml"
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("门岗值守与物品放行", "门岗值守（改）", 1), encoding="utf-8")
        wait_for("procedures/sec-gate/", "门岗值守（改）")
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_one_sided_ranges_read_as_the_handbook_says_them():
    from generator.labels import range_words

    assert range_words(1, None, "台") == "≥ 1 台"
    assert range_words(None, 0.5, "MPa") == "≤ 0.5 MPa"
    assert range_words(0.15, 0.45, None) == "0.15–0.45"


CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


def test_standards_page_links_every_code_it_names(real_site):
    page = article(real_site, "standards")
    page = page[: page.index("</article>")]
    linked = re.sub(r"<a [^>]*>.*?</a>", "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", linked)
    assert CODE.findall(re.sub(r'id="[^"]*"', "", text)) == []
    assert len(re.findall(r'<a href="\.\./procedures/[a-z0-9-]+/"><code>', page)) >= 15


def test_standards_page_shows_the_desk_limits_from_the_desk_document(real_site):
    page = article(real_site, "standards")
    page = page[: page.index("</article>")]
    assert "dutybook:desk" not in page
    table = page[page.index('<div class="dutybook-desk">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<a href="\.\./desk/svc-desk/#category-([a-z-]+)">', table)
    desk = load_tree(ROOT / "sop").documents["SVC-DESK"]
    assert rows == [c.id for c in desk.categories]
    assert "<td>10分钟内</td>" in table and "7个工作日内（可暂停）" in table
    guide = article(real_site, "authors/authoring")
    assert "<code>&lt;!-- dutybook:desk --&gt;</code>" in guide  # named there, not replaced


def test_favicon_ico_exists(real_site):
    assert (real_site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_authoring_guide_is_last_and_not_next_from_home(real_site):
    home = html(real_site, "")
    nav = re.findall(
        r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*([^<]+?)\s*<', home
    )
    assert nav.index("给编写者") > max(nav.index("标签"), nav.index("按岗位")), nav
    footer = home[home.index('class="md-footer__link md-footer__link--next"') :][:600]
    assert "编写指南" not in footer
    search = (real_site / "search" / "search_index.json").read_text("utf-8")
    assert '"location":"authors/' not in search and '"location":"tags/' not in search


def test_emergency_plans_are_listed_by_rank_for_staff(real_site):
    # in the navigation and on a role's page: fire, lifts, power, water first, not by id
    epidemic = html(real_site, "emergencies/emg-epidemic")
    epidemic = epidemic[epidemic.index("md-nav--primary") : epidemic.index("md-content")]
    nav = list(dict.fromkeys(re.findall(r'href="\.\./(emg-[a-z-]+)/"', epidemic)))
    role = article(real_site, "roles/guard")
    listed = list(dict.fromkeys(re.findall(r'href="\.\./\.\./emergencies/(emg-[a-z-]+)/"', role)))
    first = ["emg-fire", "emg-elevator-trap", "emg-power-cut", "emg-water-cut", "emg-pipe-burst"]
    assert nav[:5] == first, nav
    assert listed[:5] == first, listed


COUNTED_BUILD = """
import os, sys
from generator import loader
from generator.cli import main

real_load = loader.load_tree

def counted(*args, **kwargs):
    with open(sys.argv[1], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\\n")
    return real_load(*args, **kwargs)

loader.load_tree = counted
main(sys.argv[2:])
"""


def test_dutybook_build_reads_the_yaml_once(tmp_path):
    """The check before the build hands its tree to the plugin: one load, not two.

    Loads are counted in a file because the plugin loads in a forked process, which
    inherits the patched loader but not a counter in memory.
    """
    copy = tmp_path / "handbook"
    shutil.copytree(FIXTURE, copy)
    calls = tmp_path / "loads.txt"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DUTYBOOK_LANG", None)
    command = [sys.executable, "-c", COUNTED_BUILD, str(calls), "build", "--site-dir", "site"]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (copy / "site" / "handbook.json").is_file()
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 1
