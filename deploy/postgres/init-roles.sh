#!/bin/sh
# First start of the compose `postgres` service (docker-entrypoint-initdb.d): create the
# owner and app roles and the `grocer` database with deploy/postgres/roles.sql.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner=grocer_owner -v app=grocer_app -v db=grocer \
  -v owner_password="$GROCER_DB_OWNER_PASSWORD" -v app_password="$GROCER_DB_APP_PASSWORD" \
  -f /grocer/roles.sql
