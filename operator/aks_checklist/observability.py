"""Logs and metrics: structlog JSON logs in the Kubernetes style, Prometheus metrics.

Log messages are capitalised, past tense and name the kind ("Created
PodDisruptionBudget"), with the object in structured fields, so they read
like the API server's own events and can be filtered by field.
"""

from __future__ import annotations

import logging
import sys

import structlog
from prometheus_client import Counter, Gauge, Histogram

NAMESPACE_SCORE = Gauge(
    "aks_checklist_namespace_score",
    "Compliance score (0-100) of a namespace under a policy.",
    ["policy", "namespace"],
)
RULE_FAILURES = Gauge(
    "aks_checklist_rule_failures",
    "Failed results per rule and severity, summed over a policy's namespaces.",
    ["policy", "rule", "severity"],
)
BASELINE_OBJECTS = Gauge(
    "aks_checklist_baseline_objects",
    "Namespaces per baseline object kind and state (Managed, External, Missing, Disabled).",
    ["policy", "kind", "state"],
)
RECONCILE_SECONDS = Histogram(
    "aks_checklist_reconcile_duration_seconds",
    "Duration of one reconcile pass of a policy.",
    ["policy"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
API_WRITES = Counter(
    "aks_checklist_api_writes_total",
    "Write calls made to the Kubernetes API, by kind and verb.",
    ["kind", "verb"],
)
API_WRITE_SECONDS = Histogram(
    "aks_checklist_api_write_duration_seconds",
    "How long one write call to the Kubernetes API took, answered or not.",
    ["verb"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
API_THROTTLED = Counter(
    "aks_checklist_api_throttled_total",
    "Writes the API server answered with 429 (Priority and Fairness or a rate limit).",
)
EVENT_LOOP_LAG = Histogram(
    "aks_checklist_event_loop_lag_seconds",
    "How late the event loop ran a timer: time spent blocked by work that did not yield.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def configure_logging(*, json_logs: bool = True, level: int = logging.INFO) -> None:
    """Routes structlog and stdlib logging (Kopf's) through one JSON renderer."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
