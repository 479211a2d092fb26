#!/usr/bin/env bash
# make bench: benchmarks inside Odoo on a scratch database; prints a table, writes bench/results/.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
ensure_pg
export PATH="$VENV/bin:$PATH"
db="${BENCH_DB:-fapiao_bench}"
if ! psql -d "$db" -tAc "select 1 from ir_module_module where name='tax_gateway' and state='installed'" 2>/dev/null | grep -q 1; then
  say "Creating benchmark database $db"
  dropdb --if-exists "$db" 2>/dev/null || true
  odoo --addons-path="$(odoo_addons_path)" -d "$db" -i tax_gateway,fruit_invoice,vehicle_invoice \
       --without-demo=all --stop-after-init --log-level=warn >"$STATE/log/bench-install.log" 2>&1 \
    || die "install failed, see $STATE/log/bench-install.log"
fi
mkdir -p "$ROOT/bench/results"
odoo shell --addons-path="$(odoo_addons_path)" -d "$db" --log-level=warn --no-http \
  < <(echo "import runpy, sys; sys.argv = ['bench', '$ROOT/bench'] + '${BENCH_ARGS:-}'.split(); g = runpy.run_path('$ROOT/bench/run.py'); g['main'](env)")
