"""`/dashboard/admin/versions`: every published handbook version (who, when, what changed), one
version's changes document by document, and making an earlier version live again.

Going back publishes the earlier version's content as a new version (`pwa.ops.publishing.
republish`), so the log only grows and every record keeps naming the version it was made with.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from pwa.api.live import live_version
from pwa.clock import utcnow
from pwa.dashboard import tables
from pwa.dashboard.context import page, t, user
from pwa.errors import ApiError
from pwa.ops import publishing
from pwa.store import db, versions

bp = Blueprint("versions", __name__, url_prefix="/admin/versions")


@bp.before_request
def _admins_only() -> None:
    if not user().is_admin:
        raise ApiError(403, "Only an admin may manage accounts, sites and tokens.")


def changes_words(summary: dict) -> str:
    """「3 项变更，其中 1 项需要重新确认」, or the count alone when nothing is MAJOR."""
    if not summary["count"]:
        return t("no_changes")
    if summary["major"]:
        return t("changes_major", count=summary["count"], major=summary["major"])
    return t("changes_count", count=summary["count"])


@bp.route("", methods=["GET", "POST"])
def versions_page() -> Response | str:
    if request.method == "POST":
        try:
            version_id = int(request.form.get("version_id", ""))
        except ValueError:
            raise ApiError(400, "version_id must be a number.") from None
        try:
            with db.writing() as conn:
                publishing.republish(conn, version_id, user().username, utcnow())
        except publishing.PublishError:
            raise ApiError(404, f"No handbook version {version_id}.") from None
        return redirect("/dashboard/admin/versions", code=303)
    rows = versions.versions(db.connection())
    if tables.wants_csv() is not None:
        if tables.wants_csv() != "versions":
            raise tables.unknown_table(tables.wants_csv(), ("versions",))
        return tables.csv_response("versions", tables.VERSION_HEADER, map(tables.version_row, rows))
    return page("admin_versions.html", rows=rows, live=live_version(), words=changes_words)


@bp.get("/<int:version_id>")
def version_page(version_id: int) -> str:
    row = versions.version(db.connection(), version_id)
    if row is None:
        raise ApiError(404, f"No handbook version {version_id}.")
    return page("admin_version.html", row=row, live=live_version(), words=changes_words)
