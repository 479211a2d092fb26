# Single entry point. `make demo` runs the product, `make test` runs every test.
.PHONY: setup demo stop test lint unit odoo-test odoo-own bench i18n rotate-key backup restore check-platform clean

setup:            ## venv, Odoo 18 from source, Python and system packages
	@bash scripts/setup.sh

demo:             ## demo database + sandbox tax platform + Odoo on http://localhost:8069 (Ctrl-C stops all)
	@bash scripts/demo.sh

stop:             ## stop what `make demo` started in the background
	@bash scripts/demo.sh stop

test:             ## lint + pure-Python tests + Odoo tests and browser tours on a fresh database
	@bash scripts/test.sh

lint:
	@bash scripts/test.sh lint

unit:
	@bash scripts/test.sh unit

odoo-test:
	@bash scripts/test.sh odoo

odoo-own:         ## Odoo's own test classes with the add-ons installed
	@bash scripts/test.sh odoo-own

bench:            ## benchmarks: prints a table, writes bench/results/*.json
	@bash scripts/bench.sh

i18n:             ## refresh addons/*/i18n/zh_CN.po from the code (keeps existing translations)
	@bash scripts/i18n.sh

rotate-key:       ## new personal-data key first in the key file, re-encrypt (DB=..., KEY=...)
	@bash scripts/rotate_key.sh

backup:           ## database + filestore into backups/ (DB=..., TO=...); the key file is kept apart
	@bash scripts/backup.sh

restore:          ## a backup into a new database (FROM=..., DB=...)
	@bash scripts/restore.sh

check-platform:   ## after a restore: the last fapiao against the platform (DB=..., COUNT=3)
	@bash scripts/check_platform.sh

clean:
	@bash scripts/demo.sh stop; rm -rf .local
