#!/usr/bin/env bash
# make restore FROM=<backup folder> DB=<database to create> [DATA_DIR=<Odoo data_dir>]: a backup
# made by `make backup` into a new database (an existing one is never overwritten), then the
# check against the platform to run.
source "$(dirname "$0")/lib.sh"
FROM="${FROM:?FROM=<backup folder> is required}"
DB="${DB:?DB=<database to create> is required}"
DATA_DIR="${DATA_DIR:-$STATE/filestore}"
[ -f "$FROM/database.dump" ] && [ -f "$FROM/MANIFEST" ] || die "$FROM is not a backup"
(cd "$FROM" && sed -n 's/^\([0-9a-f]\{64\}\)  /\1  /p' MANIFEST | sha256sum --check --quiet) \
  || die "the backup's files do not match its MANIFEST"
ensure_pg
if psql -d "$DB" -tAc "select 1" >/dev/null 2>&1; then
  die "database $DB exists: restore into a new name (DB=...)"
fi
[ -e "$DATA_DIR/filestore/$DB" ] && die "$DATA_DIR/filestore/$DB exists"
createdb "$DB"
pg_restore --no-owner --exit-on-error --dbname="$DB" "$FROM/database.dump" \
  || { dropdb "$DB"; die "pg_restore failed; nothing was kept"; }
mkdir -p "$DATA_DIR/filestore/$DB"
tar -C "$DATA_DIR/filestore/$DB" -xzf "$FROM/filestore.tar.gz"
say "Restored $(sed -n 's/^database=//p' "$FROM/MANIFEST") into $DB."
say "Put the personal-data key file back, then check the last fapiao against the platform:"
say "  make check-platform DB=$DB"
