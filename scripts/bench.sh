#!/usr/bin/env bash
# make bench: benchmarks inside Odoo on a scratch database; prints a table, writes bench/results/.
# BENCH_ONLY=connector runs only the connector end to end (BENCH_FAPIAO fapiao, default 1000);
# BENCH_ONLY=vehicle only the dealer end to end (BENCH_DEALS deals, default 500, and the race);
# BENCH_ONLY=fruit only the wholesaler's T+1 end to end (BENCH_ORDERS paid orders, default 200).
# BENCH_INVOICES sets the in-Odoo benchmarks' invoices (default 200). Small counts make a smoke
# run: BENCH_INVOICES=10 BENCH_FAPIAO=20 BENCH_POLLED=10 BENCH_SERIAL_ROUNDS=1 BENCH_DEALS=4
# BENCH_ORDERS=6 BENCH_HISTORY_SCALE=0.03 BENCH_HISTORY_REPEAT=1 BENCH_LATENCY_FAPIAO=20 make bench
# BENCH_ONLY=latency: BENCH_LATENCY_FAPIAO (1000) fapiao on a platform answering in
# BENCH_LATENCY_MS (150) capped at BENCH_RATE_CAP (20) calls/s.
# BENCH_ONLY=history: costs over years of history (BENCH_HISTORY_SCALE, default 0.1,1: one year
# and ten of a busy company; each on a copy of the benchmark database, dropped afterwards).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
ensure_pg
export PATH="$VENV/bin:$PATH"
db="${BENCH_DB:-fapiao_bench}"
ADDONS="tax_gateway,tax_gateway_sale,fruit_invoice,vehicle_invoice"
if psql -d "$db" -tAc "select 1 from ir_module_module where name='tax_gateway' and state='installed'" 2>/dev/null | grep -q 1; then
  say "Updating the add-ons in benchmark database $db"
  odoo --addons-path="$(odoo_addons_path)" -d "$db" -u "$ADDONS" --stop-after-init --log-level=warn \
       >"$STATE/log/bench-install.log" 2>&1 || die "update failed, see $STATE/log/bench-install.log"
else
  say "Creating benchmark database $db"
  dropdb --if-exists "$db" 2>/dev/null || true
  odoo --addons-path="$(odoo_addons_path)" -d "$db" -i "$ADDONS" \
       --without-demo=all --stop-after-init --log-level=warn >"$STATE/log/bench-install.log" 2>&1 \
    || die "install failed, see $STATE/log/bench-install.log"
fi
mkdir -p "$ROOT/bench/results"
# One configuration for every benchmark: the personal-data key (a fresh clone has none yet),
# the filestore, queue_job server-wide.
conf="$STATE/odoo-bench.conf"
cat >"$conf" <<CONF
[options]
addons_path = $(odoo_addons_path)
data_dir = $STATE/filestore
server_wide_modules = base,web,queue_job
fapiao_key_file = $(ensure_key_file "$STATE/fapiao-bench.key")

[queue_job]
channels = root:2,root.fapiao:2
CONF
if [ -z "${BENCH_ONLY:-}" ]; then
  odoo shell -c "$conf" -d "$db" --log-level=warn --no-http \
    < <(echo "import runpy, sys; sys.argv = ['bench', '$ROOT/bench'] + '${BENCH_ARGS:-}'.split(); g = runpy.run_path('$ROOT/bench/run.py'); g['main'](env)")
fi

# The end-to-end runs: committed data, Odoo with workers and queue_job, the sandbox process.
if [ "${BENCH_ONLY:-connector}" = connector ]; then
  say "Connector end to end: ${BENCH_FAPIAO:-1000} fapiao through queue_job to the sandbox"
  python "$ROOT/bench/connector_e2e.py" "$db" "$conf" \
    "$ROOT/bench/results/connector-$(date +%Y%m%d-%H%M%S).json"
fi
if [ "${BENCH_ONLY:-fruit}" = fruit ]; then
  say "Wholesaler end to end: ${BENCH_ORDERS:-200} paid orders invoiced by batch and issued T+1"
  python "$ROOT/bench/fruit_e2e.py" "$db" "$conf" \
    "$ROOT/bench/results/fruit-$(date +%Y%m%d-%H%M%S).json"
fi
if [ "${BENCH_ONLY:-vehicle}" = vehicle ]; then
  say "Dealer end to end: ${BENCH_DEALS:-500} deals split and issued, and a race of 8 issuers"
  python "$ROOT/bench/vehicle_e2e.py" "$db" "$conf" \
    "$ROOT/bench/results/vehicle-$(date +%Y%m%d-%H%M%S).json"
fi
if [ "${BENCH_ONLY:-history}" = history ]; then
  say "History: the connector's costs on a young company and on ${BENCH_HISTORY_SCALE:-0.1,1} of ten years of history"
  python "$ROOT/bench/history.py" "$db" "$conf" \
    "$ROOT/bench/results/history-$(date +%Y%m%d-%H%M%S).json"
fi
if [ "${BENCH_ONLY:-latency}" = latency ]; then
  say "Latency: ${BENCH_LATENCY_FAPIAO:-1000} fapiao on a platform answering in ${BENCH_LATENCY_MS:-150} ms, capped at ${BENCH_RATE_CAP:-20} calls/s"
  python "$ROOT/bench/latency.py" "$db" "$conf" \
    "$ROOT/bench/results/latency-$(date +%Y%m%d-%H%M%S).json"
fi
