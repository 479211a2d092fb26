#!/usr/bin/env bash
# make rotate-key DB=<database> KEY=<key file>: put a new key first in the key file, then
# re-encrypt every personal-data value written under an older key. The old key stays in the file
# (second line) so that nothing becomes unreadable; remove it once this has run on every database.
source "$(dirname "$0")/lib.sh"
DB="${DB:-fapiao_demo}"
KEY="${KEY:-$STATE/fapiao-demo.key}"
[ -s "$KEY" ] || die "no key file at $KEY"
ensure_pg
export PATH="$VENV/bin:$PATH"
new="$("$PYTHON_BIN" -c 'import base64, secrets; print("k%s:%s" % (secrets.token_hex(3), base64.b64encode(secrets.token_bytes(32)).decode()))')"
cp -p "$KEY" "$KEY.bak"
{ echo "$new"; cat "$KEY.bak"; } >"$KEY"
conf="$(mktemp)"; trap 'rm -f "$conf"' EXIT
printf '[options]\naddons_path = %s\nfapiao_key_file = %s\n' "$(odoo_addons_path)" "$KEY" >"$conf"
odoo shell -c "$conf" -d "$DB" --no-http --log-level=warn <<'PY'
count = env["tax.gateway.encrypted.mixin"]._rotate_all_keys()
env.cr.commit()
print(f"re-encrypted {count} values")
PY
say "New key ${new%%:*} is current; the previous key is kept second in $KEY (backup: $KEY.bak)."
