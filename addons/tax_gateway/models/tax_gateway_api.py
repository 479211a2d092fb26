"""What the REST API (controllers/api.py) keeps: the answers given under an Idempotency-Key,
and a rate bucket per API key (each company's API settings are on res.company)."""

import datetime
import time

from fapiao_core import ratelimit

from odoo import api, fields, models

IDEMPOTENCY_DAYS = 7


class TaxGatewayApiRequest(models.Model):
    """The answer given to a request under an Idempotency-Key, kept IDEMPOTENCY_DAYS days: the
    same key with the same request gets it again; with another request, a refusal."""

    _name = "tax.gateway.api.request"
    _description = "Fapiao API Request (Idempotency)"
    _order = "id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    idempotency_key = fields.Char(required=True, readonly=True)
    fingerprint = fields.Char(required=True, readonly=True)
    status = fields.Integer(readonly=True)
    body = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "key_unique",
            "unique(user_id, idempotency_key)",
            "An Idempotency-Key is used once per user.",
        )
    ]

    def init(self):
        # one token bucket per API key (fapiao_core.ratelimit), shared by every worker process
        self.env.cr.execute(
            "CREATE TABLE IF NOT EXISTS tax_gateway_api_bucket ("
            " key_id varchar PRIMARY KEY, tokens double precision, stamp double precision)"
        )

    @api.model
    def _take_api_token(self, key_id, per_minute):
        """Take one call of the key's bucket; returns the seconds to wait (0: allowed). A
        cursor of its own: a refused or failed call still counts."""
        if per_minute <= 0:
            return 0.0
        with self.env.registry.cursor() as cr:
            cr.execute(
                "INSERT INTO tax_gateway_api_bucket (key_id) VALUES (%s) "
                "ON CONFLICT (key_id) DO NOTHING",
                [key_id],
            )
            cr.execute(
                "SELECT tokens, stamp FROM tax_gateway_api_bucket WHERE key_id = %s FOR UPDATE",
                [key_id],
            )
            tokens, stamp = cr.fetchone()
            allowed, tokens, stamp, wait = ratelimit.take(
                tokens, stamp, time.time(), per_minute / 60.0, per_minute
            )
            cr.execute(
                "UPDATE tax_gateway_api_bucket SET tokens = %s, stamp = %s WHERE key_id = %s",
                [tokens, stamp, key_id],
            )
        return 0.0 if allowed else wait

    @api.autovacuum
    def _gc_idempotency(self):
        limit = fields.Datetime.now() - datetime.timedelta(days=IDEMPOTENCY_DAYS)
        self.sudo().search([("create_date", "<", limit)]).unlink()  # reason: housekeeping
