"""`python -m generator`: the `dutybook` command, for a machine without the script on PATH."""

from generator.cli import main

main(prog_name="dutybook")
