#!/usr/bin/env bash
# Refresh addons/*/i18n/zh_CN.po from the code: exports every term with Odoo's own exporter into a
# scratch database and merges it with the existing file (translations kept, obsolete terms dropped).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
ensure_pg
export PATH="$VENV/bin:$PATH"
MODULES="${MODULES:-tax_gateway,tax_gateway_sale,fruit_invoice,vehicle_invoice}"
db="fapiao_i18n"
dropdb --if-exists "$db" 2>/dev/null || true
odoo --addons-path="$(odoo_addons_path)" -d "$db" -i "$MODULES" --stop-after-init --without-demo=all --load-language=zh_CN \
     --load=base,web,queue_job --log-level=warn >"$STATE/log/i18n-install.log" 2>&1 \
  || die "install failed, see $STATE/log/i18n-install.log"
for m in ${MODULES//,/ }; do
  pot="$STATE/$m.pot"
  odoo --addons-path="$(odoo_addons_path)" -d "$db" --i18n-export="$pot" --modules="$m" \
       --language=zh_CN --stop-after-init --log-level=warn >/dev/null 2>&1
  python "$ROOT/scripts/po_merge.py" "$pot" "$ROOT/addons/$m/i18n/zh_CN.po" "$(find_odoo_src)/odoo/addons"
done
dropdb --if-exists "$db"
