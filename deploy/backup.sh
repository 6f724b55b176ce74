#!/usr/bin/env bash
# Back up Grocer's PostgreSQL database to a compressed custom-format dump.
#   DATABASE_URL=postgres://... deploy/backup.sh [OUTPUT_FILE]
# Restore it with deploy/restore.sh. Redis holds nothing that needs a backup (cache,
# presence, channel layer and queued tasks are all rebuilt or re-sent).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
out=${1:-grocer-$(date -u +%Y%m%dT%H%M%SZ).dump}
pg_dump --format=custom --no-owner --no-privileges --file="$out" "$DATABASE_URL"
echo "$out"
