"""Options must be added by a conftest pytest loads first: this one, at the root."""

from __future__ import annotations

pytest_plugins = ["tests.reliability.soak"]
