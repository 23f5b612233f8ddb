"""The admin's handbook versions pages: the log with each version's change in words, one
version's documents added, removed and changed (old and new version, MAJOR marked), the CSV,
and making an earlier version live again from the page."""

from __future__ import annotations

import re

from pwa.ops import publishing
from tests.conftest import make_app
from tests.pwa.scenario import dashboard_client, read_csv
from tests.pwa.support import add_people


def rows_of(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr[^>]*data-(?:doc|version)=\"[^\"]+\"[^>]*>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def test_the_versions_pages_and_going_back(database, site_dir, tmp_path, sites):
    app = make_app(database, site_dir, tmp_path)
    app.config["HANDBOOK_CHECK_SECONDS"] = 0
    add_people(app)
    client, csrf = dashboard_client(app, "admin")
    assert 'id="no-versions"' in client.get("/dashboard/admin/versions").get_data(as_text=True)
    publishing.into_database(database, sites.v1, "trainer", "首次发布")
    publishing.into_database(database, sites.v2, "trainer", "报修流程 2.0")

    html = client.get("/dashboard/admin/versions").get_data(as_text=True)
    listed = rows_of(html, "versions")
    assert listed[0].startswith("2 当前 ")
    assert "trainer 报修流程 2.0 4 项变更，其中 1 项需要重新确认 内容哈希" in listed[0]
    assert listed[1].startswith("1 恢复为此版本 ")
    assert "trainer 首次发布 首次发布 内容哈希" in listed[1]

    html = client.get("/dashboard/admin/versions/2").get_data(as_text=True)
    assert rows_of(html, "changed") == [
        "水泵房巡检记录（含水箱） CHK-PUMP-ROOM 1.0 → 1.1 小修订",
        "报修受理与维修响应 ENG-REPAIR 1.1 → 2.0 重大修订（需重新确认）",
    ]
    assert rows_of(html, "added") == ["夜间报修值守 ENG-NIGHT 2.0"]
    assert rows_of(html, "removed") == ["锦绣花园夜间园区巡逻 PTL-JX-OUT-NIGHT 1.0"]
    assert '<a href="/procedures/eng-repair/">报修受理与维修响应</a>' in html
    english = client.get("/dashboard/admin/versions/2?lang=en").get_data(as_text=True)
    assert "4 change(s), 1 to acknowledge again" in english
    client.get("/dashboard/admin/versions?lang=zh")

    table = read_csv(client.get("/dashboard/admin/versions?format=csv&table=versions"))
    assert table[0][:9] == ["id", "published_at", "published_by", "bundle_hash", "changes",
                            "major", "added", "removed", "changed"]  # fmt: skip
    assert [row[4:9] for row in table[1:]] == [["4", "1", "1", "1", "2"], ["8", "0", "8", "0", "0"]]

    going_back = client.post(
        "/dashboard/admin/versions", data={"version_id": "1", "csrf_token": csrf}
    )
    assert going_back.status_code == 303
    html = client.get("/dashboard/admin/versions").get_data(as_text=True)
    listed = rows_of(html, "versions")
    assert len(listed) == 3
    assert listed[0].startswith("3 当前 ") and listed[1].startswith("2 恢复为此版本 ")
    assert "admin 4 项变更，其中 1 项需要重新确认 恢复自版本 1" in listed[0]
    assert client.get("/").get_data() == (sites.v1 / "index.html").read_bytes()
    assert client.get("/procedures/eng-night/").status_code == 404
    missing = client.post("/dashboard/admin/versions", data={"version_id": "9", "csrf_token": csrf})
    assert missing.status_code == 404
    app.extensions["dutybook.engine"].dispose()
