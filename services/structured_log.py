"""One JSON object per log line, so Railway's log viewer can filter by run id or event."""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

logger = logging.getLogger("pipeline")


def configure() -> None:
    """Send pipeline log lines to stderr once per process (gunicorn and the CLI alike)."""
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def log_event(event: str, *, level: int = logging.INFO, exc_info: BaseException | None = None, **fields: Any) -> None:
    """One JSON line; with `exc_info`, its traceback is one more field of the same line."""
    if exc_info is not None:
        fields["traceback"] = "".join(traceback.format_exception(exc_info))
    logger.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=False))
