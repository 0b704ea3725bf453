"""``plots.enable_offline()`` bundles Vega through vl-convert once per machine, not once per process: the
bundle is kept in the cache folder and read back by the next kernel (1.7-2.1 CPU s saved at each start).

vl-convert's bundler is replaced here by one that counts its calls and returns a bundle naming the call
(the real one takes ~2 s); the real bundle, built by the first kernel and read from the cache by every later
one, is what tests/browser draws its charts with (``tests/_jupyterlab.py`` gives the lab a fresh cache)."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pytest
import vl_convert

from workbench import plots
from workbench.plots import _bundle_cache, _render


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A process that has not drawn a chart yet (as far as altair and plots know), a cache folder of its own,
    and the bundles vl-convert was asked for, in order."""
    built: list[str] = []

    def bundle(src: str, vl_version: str) -> str:
        built.append(f"export default {{render() {{}}}}; // bundle {len(built) + 1} of {len(src)} chars")
        return built[-1]

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    _new_process(monkeypatch)
    return built


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_render, "_enabled", False)
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", "online")


def test_the_next_process_reads_the_bundle_the_first_built(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plots.enable_offline()
    first = alt.JupyterChart._esm
    assert len(fresh) == 1 and fresh[0] in first and list((tmp_path / "cache").glob("vega-bundle-*.js"))
    _new_process(monkeypatch)
    plots.enable_offline()
    assert len(fresh) == 1, "bundled again although the cache held this bundle"
    assert alt.JupyterChart._esm == first and alt.JupyterChart._is_offline


def test_a_damaged_bundle_is_built_again_and_replaced(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plots.enable_offline()
    [path] = (tmp_path / "cache").glob("vega-bundle-*.js")
    path.write_text(path.read_text()[:-20])  # cut short, as by a full disk
    _new_process(monkeypatch)
    plots.enable_offline()
    assert len(fresh) == 2 and fresh[1] in alt.JupyterChart._esm  # not the cut copy
    assert _bundle_cache.read() == fresh[1]
    path.write_bytes(b"\xff\xfe not text")
    assert _bundle_cache.read() is None


def test_a_bundle_of_other_versions_is_not_read(fresh: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    plots.enable_offline()
    assert _bundle_cache.read() == fresh[0]
    monkeypatch.setattr(vl_convert, "__version__", vl_convert.__version__ + ".1")
    assert _bundle_cache.read() is None
    _new_process(monkeypatch)
    plots.enable_offline()
    assert len(fresh) == 2 and fresh[1] in alt.JupyterChart._esm


def test_a_cache_that_cannot_be_written_costs_only_the_speed_up(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(blocked))
    plots.enable_offline()
    assert len(fresh) == 1 and fresh[0] in alt.JupyterChart._esm and alt.JupyterChart._is_offline
    assert blocked.read_text() == "a file where the cache folder would be"
