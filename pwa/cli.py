"""Server commands added to `dutybook`: run, publish, db upgrade|backup, users …, tokens …,
alerts …."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from flask import Flask

from pwa.config import DEV_SECRET_KEY, ROLES, STAFF_ROLES
from pwa.publish_command import publish

DEMO_ROLES = (*STAFF_ROLES, "supervisor", "admin")


def _app() -> Flask:
    """The app named by Flask's ScriptInfo (tests pass one), else one from the environment."""
    from flask.cli import ScriptInfo

    from pwa import create_app

    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx else None
    return info.load_app() if info else create_app()


def _engine(app: Flask):
    return app.extensions["dutybook.engine"]


def _transaction(app: Flask):
    """A write that waits for the server's writers (imported here: `run`'s master loads none)."""
    from pwa.store.db import transaction

    return transaction(_engine(app))


def _known_sites(app: Flask) -> set[str] | None:
    from pwa.api.definitions import current_bundle

    with app.app_context():
        try:
            return current_bundle().site_ids or None
        except Exception:  # no bundle and no YAML: accept any site id
            return None


def _hasher(app: Flask):
    from pwa.store.accounts import hasher

    return hasher(int(app.config["PASSWORD_MEMORY_KIB"]), int(app.config["PASSWORD_TIME_COST"]))


def secret_problem(config: Mapping[str, object]) -> str | None:
    """Why the app must not start in production, or None."""
    if config.get("ENV") != "production":
        return None
    key = config.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY:
        return (
            "refusing to start in production with a missing or default secret key; "
            "set DUTYBOOK_SECRET_KEY to a long random value"
        )
    if len(key) < 16:
        return "refusing to start in production: DUTYBOOK_SECRET_KEY is shorter than 16 characters"
    return None


def register(main: click.Group) -> None:
    """Entry point `dutybook.commands`: attach the server's commands to the main group."""
    main.add_command(run)
    main.add_command(publish)  # pwa/publish_command.py
    main.add_command(db_group)
    main.add_command(users_group)
    main.add_command(tokens_group)
    main.add_command(alerts_group)
    main.add_command(demo)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Processes.")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64))
def run(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the handbook, app and API with gunicorn (not Flask's development server)."""
    from pwa.config import layered
    from pwa.server import serve

    # Only the configuration: building the app here would keep its modules in the gunicorn
    # master for nothing (each worker builds its own after the fork).
    flask_app = Flask("pwa", instance_relative_config=True)
    problem = secret_problem(layered(flask_app.config))
    if problem:
        raise click.ClickException(problem)
    click.echo(f"Dutybook on http://{host}:{port}/ ({workers} × {threads} threads)", err=True)
    serve(host, port, workers, control_socket(Path(flask_app.instance_path), port), threads)


# a Unix socket's path is at most 107 bytes on Linux (104 on the BSDs and macOS)
SOCKET_PATH_MAX = 100


def control_socket(instance: Path, port: int) -> str | None:
    """gunicorn's control socket for the server on `port`: in the instance folder, named by
    the port, so two servers on one host (8000 and 8001) never replace each other's. gunicorn's
    default, one `$HOME/.gunicorn/gunicorn.ctl` per user, is shared by every server of that user.
    None (no socket) when the folder's path is too long for a Unix socket."""
    path = instance / f"gunicorn-{port}.ctl"
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        click.echo(f"no control socket: the path {path} is too long for a Unix socket", err=True)
        return None
    instance.mkdir(parents=True, exist_ok=True)
    return str(path)


@click.group("db")
def db_group() -> None:
    """The database: migrations and backups."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the tables to the newest revision (Alembic)."""
    from pwa.store.migrate import current, upgrade

    engine = _engine(_app())
    upgrade(engine)
    click.echo(f"database at revision {current(engine)} ({engine.url.get_backend_name()})")


@db_group.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path) -> None:
    """Copy the SQLite database to TARGET while the server runs (online backup)."""
    engine = _engine(_app())
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "db backup is for SQLite; for PostgreSQL use pg_dump (see docs/deployment.md)"
        )
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file")
    source = sqlite3.connect(engine.url.database)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()
    click.echo(f"backed up {engine.url.database} to {target}")


@click.group("users")
def users_group() -> None:
    """Accounts: add, list, disable, reset passwords, demo accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--site", "sites", multiple=True, help="property id; repeat for several")
@click.option("--password", help="default: a random one, printed once")
def users_add(
    username: str, roles: tuple[str, ...], sites: tuple[str, ...], password: str | None
) -> None:
    """Create an account with one or more roles and sites."""
    from pwa.store.accounts import AccountError, add_user, new_password

    app = _app()
    shown = password is None
    password = password or new_password()
    with _transaction(app) as conn:
        try:
            add_user(
                conn, _hasher(app), username, password, list(roles), list(sites), _known_sites(app)
            )
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"added {username}" + (f" password: {password}" if shown else ""))


@users_group.command("list")
def users_list() -> None:
    """Every account with its roles, sites and state."""
    from pwa.store.accounts import list_users

    with _engine(_app()).connect() as conn:
        for user in list_users(conn):
            state = "disabled" if user.disabled else "active"
            click.echo(
                f"{user.username}\t{','.join(sorted(user.roles))}\t"
                f"{','.join(sorted(user.sites)) or '-'}\t{state}"
            )


@users_group.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="enable again instead")
def users_disable(username: str, enable: bool) -> None:
    """Stop an account from signing in; its tokens are revoked."""
    from pwa.store.accounts import AccountError, set_disabled

    with _transaction(_app()) as conn:
        try:
            set_disabled(conn, username, not enable)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{'enabled' if enable else 'disabled'} {username}")


@users_group.command("reset-password")
@click.argument("username")
@click.option("--password", help="default: a random one, printed once")
def users_reset_password(username: str, password: str | None) -> None:
    """Set a new password; the user's sessions and tokens stop working."""
    from pwa.store.accounts import AccountError, new_password, reset_password

    app = _app()
    shown = password is None
    password = password or new_password()
    with _transaction(app) as conn:
        try:
            reset_password(conn, _hasher(app), username, password)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"reset {username}" + (f" password: {password}" if shown else ""))


@users_group.command("demo")
def users_demo() -> None:
    """On an empty database: one account per role at every site, passwords printed."""
    from sqlalchemy import func, select

    from pwa.store.accounts import add_user, new_password
    from pwa.store.models import users

    app = _app()
    sites = sorted(_known_sites(app) or {"lanyuan", "jinxiu"})
    # Kept beside the database (owner-only) so a second `make run` can show them again.
    saved = Path(app.instance_path) / "demo-accounts.txt"
    with _transaction(app) as conn:
        if conn.scalar(select(func.count()).select_from(users)):
            if saved.is_file():
                click.echo(f"demo accounts (from {saved}; change them before real use):")
                click.echo(saved.read_text("utf-8"), nl=False)
            else:
                click.echo("accounts exist; no demo ones added (users list / reset-password)")
            return
        made = []
        for role in DEMO_ROLES:
            password = new_password()
            add_user(conn, _hasher(app), f"demo-{role}", password, [role], sites)
            made.append((f"demo-{role}", role, password))
    listing = "".join(f"  {name:<18} {role:<11} {pw}\n" for name, role, pw in made)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.touch(mode=0o600)
    saved.write_text(listing, encoding="utf-8")
    click.echo(f"demo accounts (sites: {', '.join(sites)}; also saved in {saved}):")
    click.echo(listing, nl=False)


@click.group("tokens")
def tokens_group() -> None:
    """Device tokens: list, issue one for a machine, revoke."""


@tokens_group.command("list")
@click.option("--user", "username", help="only this user's tokens")
def tokens_list(username: str | None) -> None:
    """Tokens with their device, dates and state (never the token itself)."""
    from pwa.store.accounts import AccountError, list_tokens, user_id_of
    from pwa.store.models import utcnow

    now = utcnow()
    with _engine(_app()).connect() as conn:
        try:
            user_id = user_id_of(conn, username) if username else None
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        for t in list_tokens(conn, user_id):
            state = (
                "revoked" if t["revoked_at"] else "expired" if t["expires_at"] <= now else "live"
            )
            last = t["last_used_at"].isoformat(timespec="seconds") if t["last_used_at"] else "-"
            click.echo(
                f"{t['id']}\t{t['username']}\t{t['device_id']}\t{state}\t"
                f"expires {t['expires_at'].date()}\tlast used {last}"
            )


@tokens_group.command("issue")
@click.argument("username")
@click.option("--hours", type=float, default=24 * 90, show_default=True)
@click.option("--device", default="ci", show_default=True, help="What it is for (tokens list).")
def tokens_issue(username: str, hours: float, device: str) -> None:
    """A token for a machine, such as CI's `dutybook publish`, printed once."""
    from pwa.store.accounts import AccountError, issue_token, user_id_of

    with _transaction(_app()) as conn:
        try:
            token, expires = issue_token(conn, user_id_of(conn, username), device, hours)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{token}\nexpires {expires.isoformat(timespec='minutes')}Z")


@tokens_group.command("revoke")
@click.argument("token_id", type=int, required=False)
@click.option("--user", "username", help="revoke every token of this user")
def tokens_revoke(token_id: int | None, username: str | None) -> None:
    """Revoke one token by id, or all of a user's with --user."""
    from pwa.store.accounts import AccountError, revoke_tokens, token_owner, user_id_of

    if (token_id is None) == (username is None):
        raise click.UsageError("give a TOKEN_ID or --user, not both")
    with _transaction(_app()) as conn:
        if username:
            try:
                count = revoke_tokens(conn, user_id_of(conn, username))
            except AccountError as exc:
                raise click.ClickException(str(exc)) from None
        else:
            owner = token_owner(conn, token_id)
            if owner is None:
                raise click.ClickException(f"no token {token_id}")
            count = revoke_tokens(conn, owner, token_id)
    click.echo(f"revoked {count} token(s)")
    sys.stdout.flush()


@click.group("alerts")
def alerts_group() -> None:
    """Alerts to WeCom and DingTalk robots and e-mail: the sender."""


@alerts_group.command("run")
@click.option("--once", is_flag=True, help="one look, then exit (cron, or a check)")
def alerts_run(once: bool) -> None:
    """Find what is due and send it, every ALERTS_INTERVAL_SECONDS, until stopped.

    Run it beside the servers on one or more hosts: one sends at a time."""
    import signal
    import threading

    from pwa.server import alert_loop

    app = _app()
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        result = alert_loop(app, stop, once=once)
    except KeyboardInterrupt:
        return
    if once and result is not None:
        click.echo(
            f"alerts: {'sender' if result.leader else 'another server sends'}; "
            f"found {result.found}, queued {result.queued}, sent {result.sent}, "
            f"failed {result.failed}"
        )


@click.command()
@click.option("--now", "at", help="the week's end, ISO 8601 with offset (default: the app's now)")
@click.pass_context
def demo(ctx: click.Context, at: str | None) -> None:
    """Fill a fresh install with the seven days before now, as the demo accounts' phones and the
    desk would have made them. Refused on a database with real records; run twice, it says the
    week is there and adds nothing."""
    import datetime as dt

    from pwa import clock
    from pwa.demo import DemoRefused, write_week

    app = _app()
    try:
        with app.app_context():
            end = dt.datetime.fromisoformat(at) if at else clock.now()
    except ValueError:
        raise click.BadParameter(
            "an ISO 8601 time like 2026-06-09T10:30:00+08:00", param_hint="--now"
        ) from None
    if end.tzinfo is None:
        raise click.BadParameter("needs a UTC offset, e.g. +08:00", param_hint="--now")
    ctx.invoke(users_demo)
    try:
        counts = write_week(app, end, lambda line: click.echo(line, err=True), _hasher(app))
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    if counts is None:
        click.echo("the demo week is already there; nothing added (it is written only once)")
        return
    made = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    click.echo(f"demo week written: {sum(counts.values())} records ({made})")
