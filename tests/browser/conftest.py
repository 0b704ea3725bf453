"""The browser tests use the one JupyterLab server and Chromium of tests/conftest.py."""

from __future__ import annotations

import pytest
from _jupyterlab import Lab, SharedLab


@pytest.fixture()
def lab(shared_lab: SharedLab) -> Lab:
    return shared_lab.server()


@pytest.fixture()
def browser(shared_lab: SharedLab, lab: Lab) -> object:
    return shared_lab.browser()
