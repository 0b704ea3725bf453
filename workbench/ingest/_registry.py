"""The known input formats, in the order auto-detection tries them (most specific first)."""

from __future__ import annotations

from ._base import Adapter, RecordsAdapter
from .anyagent import AnyAgentTrace
from .aws_spans import AwsSpans
from .jaeger import JaegerJson
from .langfuse import LangfuseExport
from .langsmith import LangSmithRuns
from .mlflow_trace import MlflowTraceJson
from .native import NativeJsonl, NativeRecords
from .openai_agents import OpenAIAgentsTrace
from .openinference import OpenInferenceJsonl, SpanTreeJson
from .otlp import OtlpJson
from .whowhen import WhoWhen

ADAPTERS: list[Adapter] = [
    NativeJsonl(),
    OtlpJson(),
    SpanTreeJson(),
    AnyAgentTrace(),
    OpenInferenceJsonl(),
    LangfuseExport(),
    MlflowTraceJson(),
    OpenAIAgentsTrace(),
    AwsSpans(),
    JaegerJson(),
    LangSmithRuns(),
    WhoWhen(),
]
RECORD_ADAPTERS: list[RecordsAdapter] = [NativeRecords()]

__all__ = ["ADAPTERS", "RECORD_ADAPTERS"]
