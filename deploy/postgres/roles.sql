-- Grocer's two PostgreSQL roles: an owner that runs migrations and an app role with data
-- privileges only (no DDL, owns nothing, not a superuser).
--
-- Run once, as a superuser or the server's admin role, before the first `migrate`:
--   psql "$ADMIN_URL" -v owner=grocer_owner -v app=grocer_app -v db=grocer \
--        -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" \
--        -f deploy/postgres/roles.sql
-- Then DATABASE_MIGRATE_URL=postgres://grocer_owner:...@host/grocer (used by `manage.py migrate`)
-- and DATABASE_URL=postgres://grocer_app:...@host/grocer (everything else).
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE :"app" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";

\connect :"db"
-- Only the owner creates objects; the app role may use what the owner creates.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Every table, sequence and function a later migration creates is usable by the app role.
-- TRUNCATE, REFERENCES and TRIGGER are deliberately not granted.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO :"app";

-- A database migrated before the split already has tables: grant on those too.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
