"""The `soak` marker and `--run-soak`: long fault runs are skipped unless asked for (`make soak`)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--run-soak", action="store_true", default=False, help="run the long soak tests"
    )


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "soak: long fault-injection runs, only with --run-soak")


def pytest_collection_modifyitems(config, items) -> None:
    if config.getoption("--run-soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with --run-soak (make soak)")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
