#!/bin/sh
# Every process of the image starts here.
set -eu
# Multiprocess metrics: a previous run's files in the same (restarted) container would be
# summed into this one's series, and gauges of dead processes would linger.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
