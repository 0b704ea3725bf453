"""How charts reach the page: ``alt.JupyterChart`` with its JavaScript bundled offline.

Seen in JupyterLab 4.6 in Chromium: the ``html`` renderer's inline template draws only the first
chart of a notebook (every later one dies on ``Identifier 'spec' has already been declared``) and
the default renderer fetches Vega from a CDN. ``JupyterChart`` offline drew every chart of a page,
needs no network, and sends selections back to Python, which the widgets listen to.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import altair as alt

from .._params import user_path
from . import _bundle_cache

_enabled = False


def enable_offline() -> None:
    """Render charts offline through ``alt.JupyterChart`` (Vega bundled by vl-convert): also what
    a bare chart at the end of a cell uses from now on. Cheap after the first call, and in a new process
    once any process on the machine built the bundle (``_bundle_cache``)."""
    global _enabled
    if _enabled:
        return
    # else altair's own enable_offline() already bundled, in this process
    if not getattr(alt.JupyterChart, "_is_offline", False):
        bundle = _bundle_cache.read()
        if bundle is not None:
            alt.JupyterChart._esm = bundle  # what enable_offline() sets, without bundling again
            alt.JupyterChart._is_offline = True
        else:
            alt.JupyterChart.enable_offline()
            _bundle_cache.write(alt.JupyterChart._esm)
    alt.JupyterChart._esm = shared_module(alt.JupyterChart._esm)
    alt.renderers.register("workbench", _bare_chart)
    alt.renderers.enable("workbench")
    _enabled = True


def _bare_chart(spec: dict, **metadata: Any) -> dict:
    """A bare chart at the end of a cell, as altair's offline "jupyter" renderer draws it (a ``JupyterChart``), but a
    chart as wide as its output (``width="container"``, the timeline's, blame bars' and drift chart's default) given
    the output's whole width: vega-embed's box is an inline block, as wide as what it holds, so a container-wide
    chart in it measured its container at 0 and drew nothing. (And JupyterChart's offline bundle is the shared one
    ``enable_offline`` set, not bundled again at every chart as altair's renderer asks.)"""
    chart = alt.JupyterChart(chart=alt.Chart.from_dict(spec), embed_options=metadata.get("embed_options"))
    if container_wide(spec):
        chart.layout.width = "100%"
    return chart._repr_mimebundle_()


def container_wide(spec: Any) -> bool:
    """Whether ``spec`` (a Vega-Lite dict) or any chart in it is drawn as wide as its container."""
    if isinstance(spec, dict):
        return spec.get("width") == "container" or any(
            container_wide(v)
            for k, v in spec.items()
            if k in ("layer", "vconcat", "hconcat", "concat", "spec")
        )
    if isinstance(spec, list):
        return any(container_wide(v) for v in spec)
    return False


# anywidget (0.11) gives each widget model 2 s (a fixed AbortSignal.timeout) to import its ``_esm``; a
# model that misses it rejects its ``ready`` promise for good, so the page logs "[anywidget] Failed to
# initialize model" and every later update from Python to that model (a new spec, a moved threshold) is
# dropped. Offline, ``_esm`` is Vega's whole bundle (~0.9 MB), imported from a fresh blob URL per model,
# i.e. compiled again for every chart: on a busy machine that takes longer than 2 s. The wrapper below is
# what each model imports instead: it starts the bundle's import once per page (shared by every chart,
# every notebook, keyed by the bundle's hash) without waiting for it, so the model is ready at once; each
# chart's ``render`` then awaits the one shared import.
_LOADER = """const KEY = "__workbench_esm_%(key)s";
const SRC = %(src)s;
function load() {
  if (!globalThis[KEY]) {
    const url = URL.createObjectURL(new Blob([SRC], {type: "text/javascript"}));
    globalThis[KEY] = import(url).finally(() => URL.revokeObjectURL(url));
  }
  return globalThis[KEY];
}
load().catch(() => {});  // a failure shows where a chart is rendered
async function widget() {
  const mod = await load();
  return typeof mod.default === "function" ? await mod.default() : mod.default;
}
// A chart as wide as its output measures that width when drawn, and again only when the window resizes: one drawn
// before its output was laid out (displayed while its cell ran, notebook 01's blame per step) stayed 0 px wide.
// Its box's width changing is told to it as a resize, and so is its first laid-out width (an observer's first
// call): a chart measured at 0 while its box already had its final width got no later change to tell it
// (seen in CI: notebook 01's blame per step and a bare timeline, 0 px wide, one run in two).
function watchWidth(ctx) {
  if (typeof ResizeObserver === "undefined" || !JSON.stringify(ctx.model.get("spec") ?? {}).includes('"container"')) {
    return;
  }
  let last = -1;
  new ResizeObserver(() => {
    const now = ctx.el.clientWidth;
    if (now !== last) {
      last = now;
      window.dispatchEvent(new Event("resize"));
    }
  }).observe(ctx.el);
}
export default {
  async render(ctx) {
    const done = await (await widget()).render(ctx);
    watchWidth(ctx);
    return done;
  },
};
"""


def shared_module(esm: str) -> str:
    """An anywidget ``_esm`` that loads ``esm`` once per page and is itself ready at once (see above)."""
    if esm.startswith('const KEY = "__workbench_esm_'):
        return esm
    key = hashlib.sha256(esm.encode("utf-8")).hexdigest()[:16]
    return _LOADER % {"key": key, "src": json.dumps(esm)}


def widget(chart: alt.TopLevelMixin, validate: bool = True, **kwargs: object) -> alt.JupyterChart:
    """The chart as a widget (offline); ``.selections`` holds what the user clicked. ``validate=False``: the spec is
    not checked against Vega-Lite's schema (for a chart this package built from its own code, where the check
    finds nothing and cost ~0.1 CPU s a timeline: a quarter of an IncidentExplorer's build)."""
    enable_offline()
    return alt.JupyterChart(chart if validate else unchecked(chart), **kwargs)


def redraw(shown: alt.JupyterChart, chart: alt.TopLevelMixin, validate: bool = True) -> None:
    """Draw ``chart`` in the widget ``shown`` (``validate`` as in :func:`widget`)."""
    shown.chart = chart if validate else unchecked(chart)


def unchecked(chart: alt.TopLevelMixin, frozen: bool = False) -> alt.TopLevelMixin:
    """``chart``, its ``to_dict`` (which ``JupyterChart`` calls at every chart it is given) no longer validating the
    spec against the schema: the check walks the whole Vega-Lite schema per chart. Only this object: a copy made
    of it (``.properties(...)``, a layer of it) validates again.

    ``frozen=True``: the spec is also made once, here, and every plain ``to_dict()`` returns a copy of it (each
    widget's spec is its own), for a chart drawn again and again and never changed after (the explorer's empty
    "(no run)" timeline: making its spec was ~0.05 CPU s of each of its two charts per explorer)."""
    if "to_dict" not in vars(chart):
        plain = type(chart).to_dict
        spec = plain(chart, False) if frozen else None

        def to_dict(validate: bool = True, **kwargs: Any) -> dict[str, Any]:
            if spec is not None and not kwargs:
                return copy.deepcopy(spec)
            return plain(chart, False, **kwargs)

        # (altair's own __setattr__ would store it as a property of the spec)
        object.__setattr__(chart, "to_dict", to_dict)
    return chart


def link_zoom(lanes: alt.JupyterChart, signals: alt.JupyterChart) -> object:
    """The confidence/entropy chart widget ``signals`` follows the lanes widget's zoom: their params linked in the
    page (no kernel round trip), so shift + scroll over the lanes moves both and a double-click resets both."""
    import ipywidgets as w

    return w.jslink((lanes, "_params"), (signals, "_params"))


def save(
    chart: alt.TopLevelMixin, path: str | os.PathLike[str], scale: float = 1.0, width: int = 640
) -> Path:
    """Write ``chart`` as PNG, SVG or HTML (by the suffix), offline: images through vl-convert,
    HTML with Vega inlined so the file opens without a network. A chart drawn as wide as its output in a
    notebook (``width="container"``) has no output here: its plot is ``width`` px wide (vl-convert drew it
    300 px in all, and a page's inline box 0).

    Log text in the chart is untrusted: in HTML the spec is written with ``<``, ``>`` and ``&`` as
    JSON escapes (a ``</script>`` in an agent name would otherwise end the script and run what
    follows); for images, characters XML cannot hold (ESC, NUL, …) are shown as visible stand-ins
    first, as vl-convert aborts the whole process on them (seen: a Rust panic, "NonXmlChar")."""
    path = Path(user_path(path, "save a chart to"))  # ('~/chart.png': the home folder's)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".png", ".svg", ".pdf"):
        raise ValueError(f"save: {path.name} must end in .png, .svg, .pdf or .html")
    # One spec, checked once, made as chart.save makes it (all data inline, no row limit): every form is written
    # from it (chart.save, from_dict and the to_dict before them each walked the whole Vega-Lite schema again:
    # three checks and up to two rebuilds of the chart per save, ~0.3-1 CPU s of a timeline's).
    with alt.data_transformers.enable("default"), alt.data_transformers.disable_max_rows():
        spec = chart.to_dict(context={"pre_transform": False})
    if container_wide(spec):
        spec = _fixed_width(spec, width)
    if suffix == ".html":
        _save_spec(spec, path, format="html", inline=True, json_kwds={"cls": _ScriptSafeJSON})
    elif suffix == ".png":
        _save_spec(_scrub(spec), path, scale_factor=scale)
    else:
        _save_spec(_scrub(spec), path)
    return path


class _Spec:
    """A spec already made and checked, as altair's ``save`` reads a chart: through its ``to_dict``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.spec


def _save_spec(spec: dict[str, Any], path: Path, **kwargs: Any) -> None:
    """Write ``spec`` as ``chart.save(path, **kwargs)`` writes its chart's."""
    from altair.utils.save import save as write

    write(
        _Spec(spec),
        str(path),
        vega_version=alt.VEGA_VERSION,
        vegaembed_version=alt.VEGAEMBED_VERSION,
        vegalite_version=alt.VEGALITE_VERSION,
        **kwargs,
    )


def _fixed_width(spec: dict, width: int) -> dict:
    """``spec`` with every container-wide chart ``width`` px wide, and no fit to a container left."""

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: width if k == "width" and v == "container" else fix(v)
                for k, v in value.items()
                if not (k == "autosize" and value is spec)
            }
        return [fix(v) for v in value] if isinstance(value, list) else value

    return fix(spec)


class _ScriptSafeJSON(json.JSONEncoder):
    """JSON that can sit inside a ``<script>`` element: ``<``, ``>`` and ``&`` only ever occur inside
    JSON strings, where their ``\\u`` escapes mean the same to JavaScript."""

    def encode(self, o: Any) -> str:
        return super().encode(o).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# What XML 1.0 cannot hold: C0 controls but tab, newline and CR; U+FFFE/U+FFFF; lone surrogates.
_NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return "^" + chr(code + 64) if code < 0x20 else f"<U+{code:04X}>"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _NON_XML.sub(_visible, value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
