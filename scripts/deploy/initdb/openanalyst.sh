#!/usr/bin/env bash
# First start of the stack's PostgreSQL (docker-entrypoint-initdb.d): the OpenAnalyst store's
# database, roles and schema, as README "Memory and history store" describes. The store logs in
# as `openanalyst`, migrates as `openanalyst_owner` and works as `openanalyst_app`, which
# row-level security applies to. Runs once, when the data volume is empty.
set -euo pipefail
: "${OPENANALYST_DB_PASSWORD:?set OPENANALYST_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$OPENANALYST_DB_PASSWORD" <<'SQL'
CREATE ROLE openanalyst_owner NOLOGIN;
CREATE ROLE openanalyst_app NOLOGIN;
CREATE ROLE openanalyst LOGIN NOINHERIT PASSWORD :'password' IN ROLE openanalyst_owner, openanalyst_app;
CREATE DATABASE openanalyst;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname openanalyst <<'SQL'
CREATE SCHEMA openanalyst AUTHORIZATION openanalyst_owner;
SQL
