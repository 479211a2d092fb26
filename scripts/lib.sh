# shellcheck shell=bash
# Shared by the project's scripts: paths, Odoo source discovery, PostgreSQL discovery.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
STATE="$ROOT/.local"                      # git-ignored: private PG cluster, sandbox data, logs, pids
ODOO_CACHE="${ODOO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fapiao/odoo-18.0}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
PYTHON_BIN="${PYTHON_BIN:-$(command -v python3.11 || command -v python3)}"
mkdir -p "$STATE/log" "$STATE/run"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

is_odoo_tree() { [ -f "$1/odoo/release.py" ] && [ -d "$1/odoo/addons/base" ]; }

# Prints the Odoo 18.0 source tree to use: $ODOO_SRC, the cache folder, or a fresh shallow clone.
find_odoo_src() {
  if [ -n "${ODOO_SRC:-}" ]; then
    is_odoo_tree "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)."
    echo "$ODOO_SRC"; return
  fi
  if is_odoo_tree "$ODOO_CACHE"; then echo "$ODOO_CACHE"; return; fi
  say "Odoo source not found; trying a shallow clone of the 18.0 branch into $ODOO_CACHE"
  mkdir -p "$(dirname "$ODOO_CACHE")"
  if git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_CACHE.tmp" 2>/dev/null; then
    mv "$ODOO_CACHE.tmp" "$ODOO_CACHE"; echo "$ODOO_CACHE"; return
  fi
  rm -rf "$ODOO_CACHE.tmp"
  die "Odoo 18.0 Community source is needed and could not be cloned from $ODOO_GIT_URL.
  Provide it in one of these ways, then run the command again:
    export ODOO_SRC=/path/to/odoo-18.0        # a checkout or unpacked archive of the 18.0 branch
    # or unpack it into the default cache folder:  $ODOO_CACHE"
}

odoo_addons_path() {
  local src; src="$(find_odoo_src)"
  local p="$ROOT/addons,$src/odoo/addons"
  [ -d "$src/addons" ] && p="$p,$src/addons"
  echo "$p"
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_reachable() { "$PY" - <<'PYEOF' 2>/dev/null
import psycopg2, sys
try:
    psycopg2.connect(dbname="postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
PYEOF
}

free_port() { "$PYTHON_BIN" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Exports PGHOST/PGPORT/PGUSER for a reachable server; starts a private cluster if there is none.
ensure_pg() {
  # FAPIAO_PG=private: always use the project's own cluster (what a laptop without PostgreSQL
  # gets), even when a server answers.
  if [ "${FAPIAO_PG:-}" = private ]; then
    init_private_pg
    # shellcheck disable=SC1091
    . "$STATE/pg/env"
    pg_reachable || start_private_pg || die "could not start the private PostgreSQL cluster (see $STATE/pg/postgres.log)"
    return 0
  fi
  if [ -f "$STATE/pg/env" ]; then
    # shellcheck disable=SC1091
    . "$STATE/pg/env"
    pg_reachable && return 0
    start_private_pg && return 0
  fi
  if pg_reachable; then return 0; fi
  for host in /var/run/postgresql 127.0.0.1; do
    if PGHOST=$host pg_reachable; then export PGHOST=$host; return 0; fi
  done
  say "No PostgreSQL server reachable; starting a private cluster under $STATE/pg"
  init_private_pg
  start_private_pg || die "could not start the private PostgreSQL cluster (see $STATE/pg/postgres.log)"
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_pg_owner() {  # initdb/pg_ctl refuse to run as root: use the postgres system user then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

init_private_pg() {
  local bin; bin="$(pg_bin)"
  [ -x "$bin/initdb" ] || die "PostgreSQL is neither reachable nor installed. Install it: apt-get install -y postgresql"
  [ -d "$STATE/pg/data" ] && return 0
  mkdir -p "$STATE/pg/data" "$STATE/pg/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres "$STATE/pg"
  as_pg_owner "$bin/initdb" -D "$STATE/pg/data" -U "$(id -un)" --auth=trust -E UTF8 --locale=C.UTF-8 >"$STATE/log/initdb.log"
  cat >"$STATE/pg/env" <<ENV
export PGHOST=$STATE/pg/sock PGPORT=$(free_port) PGUSER=$(id -un)
ENV
}

start_private_pg() {
  # shellcheck disable=SC1091
  . "$STATE/pg/env"
  local bin; bin="$(pg_bin)"
  as_pg_owner "$bin/pg_ctl" -D "$STATE/pg/data" -l "$STATE/pg/postgres.log" -w \
    -o "-p $PGPORT -k $PGHOST -c listen_addresses=''" start >/dev/null
  echo started >"$STATE/pg/started-by-us"
  pg_reachable
}

stop_private_pg() {
  [ -f "$STATE/pg/started-by-us" ] || return 0
  as_pg_owner "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -f "$STATE/pg/started-by-us"
}

# The key that encrypts buyers' personal data: a file outside the database (git-ignored here).
ensure_key_file() {
  local file="$1"
  if [ ! -s "$file" ]; then
    (umask 077; "$PYTHON_BIN" -c 'import base64, secrets; print("k%s:%s" % (secrets.token_hex(3), base64.b64encode(secrets.token_bytes(32)).decode()))' >"$file")
  fi
  echo "$file"
}
