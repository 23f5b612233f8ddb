"""The store: tables, migrations, and functions over a `Connection` that read and write them.

Nothing here imports the rules (`pwa.ops`) or the faces (`pwa.api`, `pwa.dashboard`)."""
