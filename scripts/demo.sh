#!/usr/bin/env bash
# make demo: set up, create the demo database (the four add-ons + demo data, zh_CN loaded), start the
# sandbox tax platform and Odoo on http://localhost:8069. Ctrl-C (or `make stop`) stops what it
# started, including a private PostgreSQL cluster if it had to start one. Safe to re-run.
source "$(dirname "$0")/lib.sh"
DB="${DEMO_DB:-fapiao_demo}"
HTTP_PORT="${HTTP_PORT:-8069}"
SANDBOX_PORT="${SANDBOX_PORT:-8443}"
SANDBOX_DATA="$STATE/sandbox"
ADDONS="tax_gateway,tax_gateway_sale,fruit_invoice,vehicle_invoice"

stop_all() {
  for name in odoo sandbox; do
    pidfile="$STATE/run/$name.pid"
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
  done
  stop_private_pg
}

if [ "${1:-}" = stop ]; then stop_all; say "Demo stopped."; exit 0; fi

bash "$ROOT/scripts/setup.sh"
ensure_pg
export PATH="$VENV/bin:$PATH"
trap stop_all EXIT INT TERM

say "Sandbox tax platform on https://127.0.0.1:$SANDBOX_PORT (data: $SANDBOX_DATA)"
python "$ROOT/addons/tax_gateway/sandbox/server.py" --host 127.0.0.1 --port "$SANDBOX_PORT" \
  --data "$SANDBOX_DATA" >"$STATE/log/sandbox.log" 2>&1 &
echo $! >"$STATE/run/sandbox.pid"

conf="$STATE/odoo-demo.conf"
cat >"$conf" <<CONF
[options]
addons_path = $(odoo_addons_path)
data_dir = $STATE/filestore
db_name = $DB
dbfilter = ^$DB\$
http_port = $HTTP_PORT
server_wide_modules = base,web,queue_job
workers = 0
max_cron_threads = 1
admin_passwd = ${ADMIN_PASSWD:-admin}
logfile = $STATE/log/odoo-demo.log
fapiao_sandbox_url = https://127.0.0.1:$SANDBOX_PORT
fapiao_sandbox_ca = $SANDBOX_DATA/ca.pem
fapiao_sandbox_signing_key = $SANDBOX_DATA/sign-sm2.pub.pem
fapiao_key_file = $(ensure_key_file "$STATE/fapiao-demo.key")

[queue_job]
channels = root:2,root.fapiao:1
CONF

if psql -d "$DB" -tAc "select 1 from ir_module_module where name='tax_gateway' and state='installed'" 2>/dev/null | grep -q 1; then
  say "Demo database $DB exists: updating the add-ons"
  odoo -c "$conf" -d "$DB" -u "$ADDONS" --i18n-overwrite --stop-after-init || die "update failed, see $STATE/log/odoo-demo.log"
else
  say "Creating demo database $DB (a few minutes the first time)"
  dropdb --if-exists "$DB" 2>/dev/null || true
  odoo -c "$conf" -d "$DB" -i "$ADDONS" --load-language=zh_CN --without-demo= --stop-after-init \
    || die "install failed, see $STATE/log/odoo-demo.log"
fi

for _ in $(seq 30); do
  curl -sf --cacert "$SANDBOX_DATA/ca.pem" "https://127.0.0.1:$SANDBOX_PORT/health" >/dev/null && break
  sleep 1
done
say "Playing the demo's working day on the sandbox (once per database)"
odoo shell -c "$conf" -d "$DB" --no-http >>"$STATE/log/demo-day.log" 2>&1 <<PY || die "the working day failed, see $STATE/log/demo-day.log"
from odoo.addons.tax_gateway.sandbox.testing import SandboxAdmin
platform = SandboxAdmin("https://127.0.0.1:$SANDBOX_PORT", "$SANDBOX_DATA/ca.pem")
played = env["tax.gateway.demo"]._play_working_day(platform)
env.cr.commit()
print("working day played" if played else "working day already played")
PY

say "Starting Odoo on http://localhost:$HTTP_PORT"
odoo -c "$conf" -d "$DB" &
echo $! >"$STATE/run/odoo.pid"
for _ in $(seq 60); do
  curl -sf "http://localhost:$HTTP_PORT/web/login" >/dev/null && break
  sleep 1
done
curl -sf "http://localhost:$HTTP_PORT/web/login" >/dev/null || die "Odoo did not answer, see $STATE/log/odoo-demo.log"
cat <<MSG

  Odoo:            http://localhost:$HTTP_PORT   (login: admin / password: admin)
  Users per role (password = login), in zh_CN:
    北京鲜果批发有限公司 (fruit wholesale):  kaipiao (开票员), caiwu (财务经理), xiaoshou (销售)
    上海申联汽车销售服务有限公司 (4S dealer): dealer_kaipiao (开票员), dealer_caiwu (财务经理), guwen (销售顾问)
  Sandbox health:  https://127.0.0.1:$SANDBOX_PORT/health   (CA: $SANDBOX_DATA/ca.pem)
  Logs:            $STATE/log/

  Ctrl-C stops Odoo, the sandbox$( [ -f "$STATE/pg/started-by-us" ] && echo " and the private PostgreSQL" ).
MSG
wait "$(cat "$STATE/run/odoo.pid")"
