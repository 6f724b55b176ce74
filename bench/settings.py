"""Production settings plus the isolation a benchmark needs on a shared machine.

Everything that serves requests is `grocer.settings.production`; the only additions keep
this run's Celery queue apart from other workers on the same Redis.
"""

from grocer.env import env
from grocer.settings.production import *  # noqa: F403 - these are production settings
from grocer.settings.production import STATIC_ROOT

# Other checkouts' workers may consume the default "celery" queue on the same Redis.
CELERY_TASK_DEFAULT_QUEUE = env("BENCH_CELERY_QUEUE", default="celery")

# collectstatic for this run goes to a temporary directory, not the checkout.
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=str(STATIC_ROOT))
