"""Background runs (coverage, travel time, siting): one daemon thread per run, registered while it works."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def start_worker(
    registry: dict[int, threading.Thread], run_id: int, name: str, work: Callable[[], None]
) -> None:
    """Run ``work()`` in a daemon thread kept in ``registry`` under ``run_id`` until it ends.

    An exception is logged, not raised: the run's own row records its failure for whoever polls it.
    """

    def target() -> None:
        try:
            work()
        except Exception:
            log.exception("background run %s failed", name)
        finally:
            registry.pop(run_id, None)

    thread = threading.Thread(target=target, name=name, daemon=True)
    registry[run_id] = thread
    thread.start()
