#!/usr/bin/env bash
# make backup DB=<database> [TO=<folder>] [DATA_DIR=<Odoo data_dir>]: the database (pg_dump's
# custom format) and its filestore (the archived fapiao PDF/XML/OFD), in one folder.
# The personal-data key file is NOT included: keep it apart (a stolen backup then holds no
# readable personal data), and restore it with the database.
source "$(dirname "$0")/lib.sh"
DB="${DB:-fapiao_demo}"
DATA_DIR="${DATA_DIR:-$STATE/filestore}"
TO="${TO:-$ROOT/backups}/$DB-$(date +%Y%m%d-%H%M%S)"
ensure_pg
psql -d "$DB" -tAc "select 1" >/dev/null 2>&1 || die "no database $DB"
mkdir -p "$TO"
pg_dump --format=custom --no-owner --file="$TO/database.dump" "$DB"
if [ -d "$DATA_DIR/filestore/$DB" ]; then
  tar -C "$DATA_DIR/filestore/$DB" -czf "$TO/filestore.tar.gz" .
else
  tar -czf "$TO/filestore.tar.gz" -T /dev/null
fi
{
  echo "database=$DB"
  echo "taken=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  (cd "$TO" && sha256sum database.dump filestore.tar.gz)
} >"$TO/MANIFEST"
say "Backup of $DB in $TO"
say "The personal-data key file is not in it: back it up apart (see fapiao_key_file in odoo.conf)."
echo "$TO"
