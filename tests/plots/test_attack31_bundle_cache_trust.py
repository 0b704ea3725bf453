"""The Vega bundle cache (plots/_bundle_cache.py) reads back only a file this user wrote, and never waits on or
fills memory from what else may lie at its path; with no home folder to find it in, charts still draw.

The bundle runs in the notebook's page; its checksum tells damage, not who wrote it. On f811312 a bundle anyone
could write (a shared cache folder) was run as read, a pipe at the path hung the first chart of the kernel, and a
user without a home folder (a container's uid, no $HOME) could draw no chart at all (RuntimeError)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import altair as alt
import pytest
import vl_convert

from workbench import plots
from workbench.plots import _bundle_cache, _render

posix = pytest.mark.skipif(os.name != "posix", reason="file modes and pipes as POSIX has them")


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A process that has not drawn a chart yet, a cache folder of its own, and the bundles built, in order
    (vl-convert's bundler replaced by one that names the call: the real one takes ~2 s)."""
    built: list[str] = []

    def bundle(src: str, vl_version: str) -> str:
        built.append(f"export default {{render() {{}}}}; // bundle {len(built) + 1}")
        return built[-1]

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_render, "_enabled", False)
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", "online")
    return built


def _cached(tmp_path: Path) -> Path:
    plots.enable_offline()
    [path] = (tmp_path / "cache").glob("vega-bundle-*.js")
    return path


@posix
def test_a_bundle_others_may_write_is_not_run(fresh: list[str], tmp_path: Path) -> None:
    path = _cached(tmp_path)
    assert _bundle_cache.read() == fresh[0]
    path.chmod(0o666)  # anyone may have written it: its checksum proves nothing
    assert _bundle_cache.read() is None
    path.chmod(0o600)
    assert _bundle_cache.read() == fresh[0]


@posix
def test_a_pipe_at_the_bundles_path_is_not_waited_on(fresh: list[str], tmp_path: Path) -> None:
    path = _cached(tmp_path)
    path.unlink()
    os.mkfifo(path)
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(_bundle_cache.read()), daemon=True)
    reader.start()
    reader.join(5)
    hung = reader.is_alive()
    if hung:  # let the reader go (a writer end opened and closed): the test fails, it does not hang
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
    assert not hung and got == [None]


def test_without_a_home_folder_charts_still_draw(fresh: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")  # pathlib's, for a uid without $HOME

    for name in ("WORKBENCH_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert _bundle_cache.read() is None
    plots.enable_offline()
    assert len(fresh) == 1 and fresh[0] in alt.JupyterChart._esm and alt.JupyterChart._is_offline
