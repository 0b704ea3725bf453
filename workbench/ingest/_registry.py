"""The known input formats, in the order auto-detection tries them."""

from __future__ import annotations

import importlib

from ._base import Adapter, RecordsAdapter
from .native import NativeJsonl, NativeRecords

# (module, class) of each file adapter; the most specific sniffers come first.
_FILE_ADAPTERS = (
    ("workbench.ingest.native", "NativeJsonl"),
    ("workbench.ingest.otlp", "OtlpJson"),
    ("workbench.ingest.openinference", "SpanTreeJson"),
    ("workbench.ingest.openinference", "OpenInferenceJsonl"),
    ("workbench.ingest.langfuse", "LangfuseExport"),
    ("workbench.ingest.whowhen", "WhoWhen"),
)


def _load() -> list[Adapter]:
    out: list[Adapter] = []
    for module, cls in _FILE_ADAPTERS:
        try:
            out.append(getattr(importlib.import_module(module), cls)())
        except (ImportError, AttributeError):
            continue
    return out


ADAPTERS: list[Adapter] = _load()
RECORD_ADAPTERS: list[RecordsAdapter] = [NativeRecords()]
__all__ = ["ADAPTERS", "RECORD_ADAPTERS", "NativeJsonl"]
