"""The `dutybook` command: check, schema and build; the server adds its own commands."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.problems import FORMATS, promote, summary

if TYPE_CHECKING:
    from generator.tree import Tree

# The loader (pydantic and the models) is imported where it is used: every command goes
# through this module, including `dutybook run`, whose gunicorn master should stay small.


def run_check(
    path: Path, content: Path | None, strict: bool, fmt: str, jobs: int | None = None
) -> Tree:
    """Load and report; the caller decides the exit status from `tree.ok`."""
    from generator.loader import load_tree

    tree = load_tree(path, content_dir=content, jobs=jobs)
    tree.problems = promote(tree.problems, strict)
    if tree.problems:
        click.echo(FORMATS[fmt](tree.problems))
    if fmt == "text":
        click.echo(summary(tree.problems, len(tree.documents), tree.files), err=True)
    return tree


def _content_default(path: Path) -> Path | None:
    guess = (path if path.is_dir() else path.parent).parent / "content"
    return guess if guess.is_dir() else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dutybook")
def main() -> None:
    """Dutybook: a property-management operating manual as structured YAML."""


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path), default="sop")
@click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    help="Markdown pages that courses may name (default: content/ beside PATH).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="text for people, json for editors, github for CI.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes that parse the files (default: one per core for a large handbook).",
)
def check(path: Path, content: Path | None, strict: bool, fmt: str, jobs: int | None) -> None:
    """Validate every YAML document under PATH (default: sop) and report all problems."""
    tree = run_check(path, content or _content_default(path), strict, fmt, jobs)
    sys.exit(0 if tree.ok else 1)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default="schemas")
def schema(directory: Path) -> None:
    """Write a JSON Schema per kind into DIRECTORY (default: schemas) for editor completion."""
    from generator.schemas import write_schemas

    for written in write_schemas(directory):
        click.echo(f"wrote {written.as_posix()}")


def _load_plugins() -> None:
    """Commands contributed by other packages (the server's) through an entry point."""
    for entry in entry_points(group="dutybook.commands"):
        try:
            register = entry.load()
        except ImportError:  # a partial install without the server still checks and builds
            continue
        register(main)


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="mkdocs.yml",
    show_default=True,
    help="MkDocs config.",
)


@main.command()
@click.option(
    "--sop",
    "sop_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default="sop",
    show_default=True,
    help="The YAML documents.",
)
@config_option
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the site goes (default: site_dir of the config, site/).",
)
@click.option("--strict", is_flag=True, help="Treat content and MkDocs warnings as errors.")
def build(sop_dir: Path, config_file: Path, site_dir: Path | None, strict: bool) -> None:
    """Check sop/, then build the handbook and handbook.json into the site folder."""
    check_and_build(sop_dir, config_file, site_dir, strict)


def check_and_build(sop_dir: Path, config_file: Path, site_dir: Path | None, strict: bool) -> Path:
    """`dutybook build`'s work (and `dutybook publish`'s first): the site folder built, or the
    problems printed and exit 1."""
    from mkdocs.exceptions import Abort

    from generator.build import build_site

    click.echo(f"==> checking {sop_dir.as_posix()}", err=True)
    content = config_file.parent / "content"
    content_dir = content if content.is_dir() else None
    tree = run_check(sop_dir, content_dir, strict, "text")
    if not tree.ok:
        sys.exit(1)
    try:
        return build_site(
            config_file,
            site_dir,
            sop_dir,
            strict,
            lambda line: click.echo(line, err=True),
            checked=tree,
            content_dir=content_dir,
        )
    except Abort as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@main.command("serve-docs")
@config_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True)
def serve_docs(config_file: Path, dev_addr: str) -> None:
    """Preview the handbook; a saved YAML file updates only the pages it changes."""
    from generator.live_serve import serve

    serve(config_file, dev_addr, lambda line: click.echo(line, err=True))


_load_plugins()

if __name__ == "__main__":  # python -m generator.cli, as `dutybook`
    main(prog_name="dutybook")
