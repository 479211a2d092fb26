"""18.0.1.1.0: the platform's app secret and token are stored encrypted (personal-data keyring).

The clear columns of earlier versions are encrypted into ``app_secret_enc`` /
``access_token_enc`` and then dropped."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'tax_gateway_provider' AND column_name IN ('app_secret', 'access_token')"
    )
    columns = sorted(row[0] for row in cr.fetchall())
    providers = api.Environment(cr, SUPERUSER_ID, {})["tax.gateway.provider"]
    for column in columns:
        clear_column = SQL.identifier(column)
        cr.execute(
            SQL(
                "SELECT id, %s FROM tax_gateway_provider WHERE %s IS NOT NULL",
                clear_column,
                clear_column,
            )
        )
        for provider_id, clear in cr.fetchall():
            cr.execute(
                SQL(
                    "UPDATE tax_gateway_provider SET %s = %s WHERE id = %s",
                    SQL.identifier(f"{column}_enc"),
                    providers._encrypt_secret(clear, column),
                    provider_id,
                )
            )
        cr.execute(SQL("ALTER TABLE tax_gateway_provider DROP COLUMN %s", clear_column))
