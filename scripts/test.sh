#!/usr/bin/env bash
# make test: lint, pure-Python tests (services, sandbox over HTTPS), Odoo tests + tours on a fresh DB.
# Usage: scripts/test.sh [all|lint|unit|odoo|odoo-own|odoo-own-baseline]   Ends with one line "N passed, N failed".
source "$(dirname "$0")/lib.sh"
what="${1:-all}"
bash "$ROOT/scripts/setup.sh"
ensure_pg
export PATH="$VENV/bin:$PATH"
RES="${FAPIAO_TEST_RESULTS:-$STATE/test-results}"; rm -rf "$RES"; mkdir -p "$RES"
ADDONS="tax_gateway,tax_gateway_sale,fruit_invoice,vehicle_invoice"

run_lint() {
  say "Lint: pre-commit (ruff, ruff-format, pylint-odoo mandatory checks)"
  if (cd "$ROOT" && pre-commit run --all-files --show-diff-on-failure >"$RES/lint.log" 2>&1); then
    echo "lint 1 0" >>"$RES/counts"
  else
    cat "$RES/lint.log"; echo "lint 0 1" >>"$RES/counts"
  fi
}

run_unit() {
  say "Pure-Python tests (no Odoo import): services and the sandbox platform over HTTPS"
  (cd "$ROOT" && python -m pytest -q -p no:cacheprovider -p no:odoo --junitxml="$RES/unit.xml" \
     tests/unit 2>&1 | tee "$RES/unit.log") || true
  python - "$RES/unit.xml" >>"$RES/counts" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
    s = r if r.tag == "testsuite" else r.find("testsuite")
    t, f, e, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    print("unit", t - f - e - sk, f + e)
except Exception:
    print("unit 0 1")
PYEOF
}

run_odoo() {
  local db="fapiao_test_$$" log="$RES/odoo.log" port conf="$STATE/odoo-test.conf"
  port="$(free_port)"
  { cat "$ROOT/config/odoo-test.conf"
    echo "fapiao_key_file = $(ensure_key_file "$STATE/fapiao-test.key")"; } >"$conf"
  say "Odoo tests: fresh database $db, install $ADDONS with --test-enable (log: $log)"
  dropdb --if-exists "$db" 2>/dev/null || true
  odoo --addons-path="$(odoo_addons_path)" -d "$db" -i "$ADDONS" --test-enable --test-tags="${TEST_TAGS:-/tax_gateway,/tax_gateway_sale,/fruit_invoice,/vehicle_invoice}" --stop-after-init \
       --log-level=test --http-port="$port" --http-interface=127.0.0.1 --gevent-port="$(free_port)" \
       --without-demo= --load-language=zh_CN --max-cron-threads=0 --workers=0 --db-filter="^$db\$" \
       --load=base,web,queue_job -c "$conf" >"$log" 2>&1 || true
  [ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$db" 2>/dev/null || true
  python "$ROOT/scripts/checklog.py" "$log" >>"$RES/counts"
}

# Odoo's own test classes (tests/odoo_own/classes.txt) on a fresh database with the add-ons
# installed: installing them must not break Odoo's own flows. Failures that Odoo's own tests
# also have without the add-ons on this Odoo source are listed in known_failures.txt (refresh
# with `scripts/test.sh odoo-own-baseline`) and not counted.
OWN="$ROOT/tests/odoo_own"
own_tags() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$OWN/classes.txt" | paste -sd, -; }

run_own_suite() {  # $1: modules to install, $2: log file
  # zh_CN loaded as our users have it; FAPIAO_OWN_LANG=en_US runs them in Odoo's own language
  local db="fapiao_own_$$_$RANDOM" conf="$STATE/odoo-own.conf" lang="${FAPIAO_OWN_LANG:-zh_CN}"
  [ "$lang" = en_US ] && lang=""
  { cat "$ROOT/config/odoo-test.conf"
    echo "fapiao_key_file = $(ensure_key_file "$STATE/fapiao-test.key")"; } >"$conf"
  dropdb --if-exists "$db" 2>/dev/null || true
  odoo --addons-path="$(odoo_addons_path)" -d "$db" -i "$1" --test-enable --test-tags="$(own_tags)" \
       --stop-after-init --log-level=test --http-port="$(free_port)" --http-interface=127.0.0.1 \
       --gevent-port="$(free_port)" --without-demo= ${lang:+--load-language=$lang} --max-cron-threads=0 \
       --workers=0 --db-filter="^$db\$" --load=base,web,queue_job -c "$conf" >"$2" 2>&1 || true
  [ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$db" 2>/dev/null || true
}

run_odoo_own() {
  local log="$RES/odoo-own.log"
  say "Odoo's own tests with the add-ons installed: $(own_tags) (log: $log)"
  run_own_suite "$ADDONS" "$log"
  python "$ROOT/scripts/odoo_own.py" "$log" "$OWN/known_failures.txt" >>"$RES/counts"
}

run_odoo_own_baseline() {  # the same classes without the add-ons: what fails here is Odoo's own
  local log="$RES/odoo-own-baseline.log"
  say "Odoo's own tests WITHOUT the add-ons (same dependencies): $(own_tags) (log: $log)"
  run_own_suite "l10n_cn,queue_job,sale_stock,purchase_stock" "$log"
  say "Failing without the add-ons (candidates for $OWN/known_failures.txt):"
  python "$ROOT/scripts/odoo_own.py" "$log" "$OWN/known_failures.txt" --list
  python "$ROOT/scripts/odoo_own.py" "$log" "$OWN/known_failures.txt" >>"$RES/counts" || true
}

case "$what" in
  lint) run_lint ;;
  unit) run_unit ;;
  odoo) run_odoo ;;
  odoo-own) run_odoo_own ;;
  odoo-own-baseline) run_odoo_own_baseline ;;
  all)  run_lint; run_unit; run_odoo; run_odoo_own ;;
  *) die "usage: $0 [all|lint|unit|odoo|odoo-own|odoo-own-baseline]" ;;
esac

awk '{p+=$2; f+=$3; printf "  %-6s %4d passed, %d failed\n", $1, $2, $3 > "/dev/stderr"} END {print p " passed, " f " failed"; exit (f>0)}' "$RES/counts"
