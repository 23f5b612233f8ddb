"""`dutybook publish`: check (strict) and build the handbook, then make it the live version of a
running server (an upload with an admin's token) or straight into its database."""

from __future__ import annotations

import os
from pathlib import Path

import click

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--sop", "sop_dir", default="sop", show_default=True, type=_DIR)
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True, type=_FILE)
@click.option("--url", help="A running server (https://…): upload with an admin's token.")
@click.option("--token-env", default="DUTYBOOK_PUBLISH_TOKEN", show_default=True,
              help="The environment variable holding the admin's token.")  # fmt: skip
@click.option("--database-url", help="Publish straight into this database instead.")
@click.option("--note", default="", help="What this version changes, for the log.")
@click.option("--by", help="Who publishes, with --database-url (default: the login name).")
def publish(sop_dir: Path, config_file: Path, url: str | None, token_env: str,
            database_url: str | None, note: str, by: str | None) -> None:  # fmt: skip
    """Check (strict) and build the handbook, then make it the live version of a server."""
    import getpass
    import tempfile

    from generator.cli import check_and_build
    from pwa.ops import publishing

    if (url is None) == (database_url is None):
        raise click.UsageError("give --url (a server) or --database-url, not both")
    token = os.environ.get(token_env, "") if url else ""
    if url and not token:
        raise click.ClickException(f"set {token_env} to an admin's token to publish to {url}")
    with tempfile.TemporaryDirectory(prefix="dutybook-publish-") as folder:
        site = check_and_build(sop_dir, config_file, Path(folder) / "site", True)
        try:
            if url:
                answer = publishing.upload(url, token, publishing.pack_folder(site), note)
            else:
                answer = publishing.into_database(database_url, site, by or getpass.getuser(), note)
        except publishing.PublishError as exc:
            click.echo("".join(f"{line}\n" for line in exc.lines), nl=False)
            raise click.ClickException(exc.message) from None
    click.echo(publishing.describe(answer))
