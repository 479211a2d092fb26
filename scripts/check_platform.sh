#!/usr/bin/env bash
# make check-platform DB=<database> [COUNT=3] [CONF=<odoo.conf>]: after a restore, query the last
# COUNT fapiao of each company's platform and compare the platform's list since then. Prints the
# differences; exits 1 when there is one (a fapiao the platform issued that the restored
# database lacks, a number or a total that differs).
source "$(dirname "$0")/lib.sh"
DB="${DB:?DB=<database> is required}"
COUNT="${COUNT:-3}"
ensure_pg
export PATH="$VENV/bin:$PATH"
conf="${CONF:-}"
if [ -z "$conf" ]; then
  conf="$(mktemp)"; trap 'rm -f "$conf"' EXIT
  printf '[options]\naddons_path = %s\ndata_dir = %s\nfapiao_key_file = %s\n' \
    "$(odoo_addons_path)" "$STATE/filestore" "${KEY:-$STATE/fapiao-demo.key}" >"$conf"
fi
odoo shell -c "$conf" -d "$DB" --no-http --log-level=warn <<PY
import sys
report = env["tax.gateway.reconcile"]._check_all_after_restore(count=$COUNT)
env.cr.commit()
differences = 0
for company, provider, lines in report:
    print(f"{company} / {provider}: {len(lines)} difference(s)")
    for kind, number, odoo_total, platform_total in lines:
        if kind == "not_checked":
            print(f"  not checked: {number}")
        else:
            print(f"  {kind}: {number} (Odoo {odoo_total}, platform {platform_total})")
    differences += len(lines)
sys.exit(1 if differences else 0)
PY
