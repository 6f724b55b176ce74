#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into an EMPTY database, then apply any newer
# migrations so the code and schema match.
#   DATABASE_URL=postgres://.../grocer_restored deploy/restore.sh grocer-2026....dump
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"
dump=${1:?usage: restore.sh DUMP_FILE}
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$dump"
cd "$(dirname "$0")/.."
"${PYTHON:-python}" manage.py migrate --noinput
