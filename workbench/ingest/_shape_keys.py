"""The attributes of the framework shapes the conventions misread: a span that has one is mapped by
:func:`._map_span.map_span` (the OTLP fast path, ``_otlp_sql.py``, hands it to the Python reader instead of mapping
it in SQL).
"""

from __future__ import annotations

from ._adk import NODE_NAME as ADK_NODE_NAME
from ._adk import SHAPE_KEY as ADK_SHAPE_KEY
from ._adk import TOOL_SHAPE_KEY as ADK_TOOL_SHAPE_KEY
from ._ag2 import OI_SENDER as AG2_OI_SENDER
from ._ag2 import SPAN_TYPE as AG2_SPAN_TYPE
from ._autogen_manager import RECIPIENT_CLASS as AUTOGEN_RECIPIENT_CLASS
from ._convention_table import TRACELOOP_ENTITY, TRACELOOP_LANGGRAPH_NODE
from ._framework_agents import CREW_EVENT, CREW_ID, CREW_TASK_AGENT, EMITTER_PATH, OPENLLMETRY_GRAPH_NODES
from ._framework_handoffs import DESTINATION_EXECUTOR
from ._langfuse_otel import TYPE as LANGFUSE_TYPE
from ._langgraph_shape import LC_AGENT_NAME
from ._langtrace import SDK as LANGTRACE_SDK
from ._logfire import TEMPLATE as LOGFIRE_TEMPLATE
from ._mastra import TYPE as MASTRA_TYPE
from ._mlflow import SPAN_TYPE as MLFLOW_SPAN_TYPE
from ._span_values import COST_PART_KEYS
from ._vercel_ai import OPERATION as VERCEL_AI_OPERATION

SHAPE_KEYS = (
    "target",
    EMITTER_PATH,
    "executor.type",
    "agent_name",
    "metadata.langgraph_node",
    "metadata." + LC_AGENT_NAME,
    "graph.node.id",
    "smolagents.max_steps",
    TRACELOOP_ENTITY,
    TRACELOOP_LANGGRAPH_NODE,
    *COST_PART_KEYS,
    MLFLOW_SPAN_TYPE,
    LOGFIRE_TEMPLATE,
    AG2_SPAN_TYPE,
    "error.type",
    LANGFUSE_TYPE,
    VERCEL_AI_OPERATION,
    MASTRA_TYPE,
    ADK_SHAPE_KEY,
    ADK_TOOL_SHAPE_KEY,
    ADK_NODE_NAME,
    DESTINATION_EXECUTOR,
    OPENLLMETRY_GRAPH_NODES,
    CREW_ID,
    CREW_TASK_AGENT,
    AG2_OI_SENDER,
    CREW_EVENT,
    AUTOGEN_RECIPIENT_CLASS,
    LANGTRACE_SDK,
)
