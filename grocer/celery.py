import os
import time
from pathlib import Path

import structlog
from celery import Celery, bootsteps, signals

from grocer import logs, metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grocer.settings.local")

app = Celery("grocer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class LivenessFile(bootsteps.StartStopStep):
    """Touches CELERY_LIVENESS_FILE every 15 s from the consumer's own event loop.

    A liveness probe then only checks the file's age (`find FILE -mmin -2`): no Django
    process started per probe, no broker round trip, and a consumer stuck for two minutes
    is restarted.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.interval = float(os.environ.get("CELERY_LIVENESS_SECONDS", "15"))
        path = os.environ.get("CELERY_LIVENESS_FILE", "")
        self.path = Path(path) if path else None
        self.tref = None

    def start(self, parent):
        if self.path is None:
            return
        self.touch()
        self.tref = parent.timer.call_repeatedly(self.interval, self.touch)

    def stop(self, parent):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def touch(self):
        self.path.touch()


app.steps["consumer"].add(LivenessFile)


# --- Metrics and request ids for tasks ------------------------------------------------
# Connected here because every worker imports this module (`celery -A grocer`) and so
# does every web process that enqueues (grocer/__init__.py).

REQUEST_ID_HEADER = "grocer_request_id"
_started: dict[str, float] = {}


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    """The enqueuing request's id travels with the message (protocol 2 headers)."""
    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    _started[task_id] = time.perf_counter()
    structlog.contextvars.clear_contextvars()
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) if task is not None else None
    structlog.contextvars.bind_contextvars(
        task=task.name if task is not None else None,
        task_id=task_id,
        **({"request_id": request_id} if request_id else {}),
    )


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    name = task.name if task is not None else "unknown"
    if started is not None:
        metrics.celery_task_duration.labels(name).observe(time.perf_counter() - started)
    outcome = {"SUCCESS": "success", "RETRY": "retry", "FAILURE": "failure"}.get(state)
    if outcome:
        metrics.celery_tasks.labels(name, outcome).inc()
    structlog.contextvars.clear_contextvars()


@signals.worker_init.connect
def _serve_worker_metrics(**kwargs):
    """Workers have no HTTP server: they get a metrics port of their own (not public)."""
    from django.conf import settings

    port = settings.WORKER_METRICS_PORT
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, registry=metrics.registry(scrape_time=False))


@signals.worker_process_shutdown.connect
def _forget_dead_child(pid=None, **kwargs):
    """A prefork child's live gauges must not outlive it."""
    if metrics.multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
