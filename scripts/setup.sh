#!/usr/bin/env bash
# Idempotent set-up: system packages (when root), virtualenv, Odoo 18 from source, Python deps.
# Re-running it does nothing that is already done.
source "$(dirname "$0")/lib.sh"

# --- system packages -----------------------------------------------------------------------------
need_pkgs=()
command -v wkhtmltopdf >/dev/null || need_pkgs+=(wkhtmltopdf xfonts-75dpi xfonts-base)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need_pkgs+=(fonts-noto-cjk)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing system packages: ${need_pkgs[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}") \
      >"$STATE/log/apt.log" 2>&1 || die "apt-get failed, see $STATE/log/apt.log"
  else
    say "Missing system packages (PDF rendering and browser tests need them). Run as root:"
    echo "    sudo apt-get install -y --no-install-recommends ${need_pkgs[*]}" >&2
  fi
fi

# --- virtualenv + Odoo + Python packages ---------------------------------------------------------
ODOO_DIR="$(find_odoo_src)"
[ -x "$PY" ] || { say "Creating virtualenv $VENV"; "$PYTHON_BIN" -m venv "$VENV"; }
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

stamp="$VENV/.fapiao-setup"
want="$(cat "$ROOT"/requirements/*.txt | sha256sum | cut -c1-16) $ODOO_DIR"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Installing Python packages (first run takes a few minutes)"
  "$PY" -m pip install -q --upgrade "pip<25" "setuptools<70" wheel
  "$PY" -m pip install -q -r "$ROOT/requirements/odoo.txt" -r "$ROOT/requirements/dev.txt"
  # OCA wheels declare odoo==18.0.* which PyPI does not have: Odoo comes from source below.
  "$PY" -m pip install -q --no-deps -r "$ROOT/requirements/project.txt"
  echo "$want" >"$stamp"
fi

# Odoo from source: a .pth file puts the tree on sys.path (no copy of Odoo's code in the venv).
echo "$ODOO_DIR" >"$SITE/odoo-src.pth"
# The add-ons' plain-Python core (core/fapiao_core), installed from this checkout.
"$PY" -c "import fapiao_core, sys; sys.exit(fapiao_core.__file__ != '$ROOT/core/fapiao_core/__init__.py')" 2>/dev/null \
  || "$PY" -m pip install -q --no-deps --no-build-isolation -e "$ROOT/core"
# A Python script, not `python -c`: with workers, Odoo re-runs sys.argv[0] for its gevent process.
cat >"$VENV/bin/odoo" <<WRAP
#!$PY
import odoo.cli

odoo.cli.main()
WRAP
chmod +x "$VENV/bin/odoo"
"$PY" -c 'import odoo.release as r; assert r.serie == "18.0", r.serie' || die "$ODOO_DIR is not Odoo 18.0"
"$PY" -c 'import odoo.addons.queue_job' 2>/dev/null || die "queue_job did not install"

# Git hooks for contributors (harmless in CI).
if [ -d "$ROOT/.git" ] && [ -z "${CI:-}" ] && [ ! -f "$ROOT/.git/hooks/pre-commit" ]; then
  (cd "$ROOT" && "$VENV/bin/pre-commit" install >/dev/null 2>&1) || true
fi
say "Set-up complete (Odoo from $ODOO_DIR)"
