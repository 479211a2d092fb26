import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request

from ..tg_core import audit

ANCHOR_PARAM = "tax_gateway.audit_anchor"
RETENTION_PARAM = "tax_gateway.audit_retention_years"


class TaxGatewayAudit(models.Model):
    """Append-only, hash-chained audit trail of every fapiao action."""

    _name = "tax.gateway.audit"
    _description = "Fapiao Audit Trail"
    _order = "sequence desc"
    _rec_name = "action"

    sequence = fields.Integer(readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one("res.users", readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    action = fields.Char(readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Integer(string="Record ID", readonly=True)
    amount = fields.Char(readonly=True, help="Exact amount as text.")
    sent_digest = fields.Char(readonly=True, help="SHA-256 of what was sent to the platform.")
    received_digest = fields.Char(readonly=True, help="SHA-256 of what the platform answered.")
    detail = fields.Char(readonly=True)
    prev_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True)

    _sql_constraints = [("sequence_unique", "unique(sequence)", "Audit entries are numbered once.")]

    def _content(self):
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "ip_address": self.ip_address or "",
            "action": self.action,
            "res_model": self.res_model or "",
            "res_id": self.res_id,
            "amount": self.amount or "",
            "sent_digest": self.sent_digest or "",
            "received_digest": self.received_digest or "",
            "detail": self.detail or "",
            "create_date": fields.Datetime.to_string(self.create_date),
        }

    @api.model
    def _append(self, record, action, amount=None, sent=None, received=None, detail=""):
        """Add one entry for ``record``. ``sent``/``received`` are stored as digests only."""
        # The chain's head row serialises appends. Locking it in Odoo's REPEATABLE READ
        # transactions fails with a serialization error when another transaction appended
        # since this one began (it could not see that entry to link to it): Odoo then retries
        # the whole request, cron or queue job. An advisory lock alone is not enough here.
        self.env.cr.execute(
            "SELECT sequence, hash FROM tax_gateway_audit_head WHERE id = 1 FOR UPDATE"
        )
        last_sequence, last_hash = self.env.cr.fetchone()
        try:
            ip_address = request.httprequest.remote_addr if request else ""
        except RuntimeError:
            ip_address = ""
        entry = self.sudo().create(
            {  # reason: users append, nobody may write the model
                "sequence": last_sequence + 1,
                "company_id": record.company_id.id if "company_id" in record._fields else False,
                "user_id": self.env.uid,
                "ip_address": ip_address,
                "action": action,
                "res_model": record._name,
                "res_id": record.id,
                "amount": str(amount) if amount is not None else "",
                "sent_digest": audit.digest(sent) if sent is not None else "",
                "received_digest": audit.digest(received) if received is not None else "",
                "detail": detail or "",
                "prev_hash": last_hash or self._anchor(),
            }
        )
        entry.flush_recordset()
        entry.invalidate_recordset(["create_date"])
        entry_hash = audit.entry_hash(entry.prev_hash, entry._content())
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET hash = %s WHERE id = %s", [entry_hash, entry.id]
        )
        self.env.cr.execute(
            "UPDATE tax_gateway_audit_head SET sequence = %s, hash = %s WHERE id = 1",
            [entry.sequence, entry_hash],
        )
        entry.invalidate_recordset(["hash"])
        return entry

    def init(self):
        """The chain's head: one row, the last sequence and hash (seeded from the entries)."""
        res = super().init()
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS tax_gateway_audit_head (
                id integer PRIMARY KEY CHECK (id = 1),
                sequence integer NOT NULL,
                hash varchar
            );
            INSERT INTO tax_gateway_audit_head (id, sequence, hash)
            SELECT 1, coalesce(max(sequence), 0),
                   (SELECT hash FROM tax_gateway_audit ORDER BY sequence DESC LIMIT 1)
              FROM tax_gateway_audit
            ON CONFLICT (id) DO NOTHING;
            """
        )
        return res

    @api.model
    def _anchor(self):
        return self.env["ir.config_parameter"].sudo().get_param(ANCHOR_PARAM) or audit.GENESIS

    def write(self, vals):
        if self:
            raise UserError(_("The audit trail is append-only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.context.get("tax_gateway_audit_purge"):
            raise UserError(_("The audit trail is append-only."))

    @api.model
    def _verify_chain(self):
        """None when every entry is intact, else (sequence, reason) of the first broken one."""
        self.env.flush_all()
        self.invalidate_model()  # read what the database holds now, not the cache
        self.env.cr.execute("SELECT id FROM tax_gateway_audit ORDER BY sequence")
        entries = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        return audit.verify(
            ((e.sequence, e.prev_hash, e.hash, e._content()) for e in entries), self._anchor()
        )

    @api.model
    def action_verify_chain(self):
        broken = self._verify_chain()
        message = (
            _("The audit trail is intact.")
            if broken is None
            else _(
                "The audit trail is broken at entry %(sequence)s: %(reason)s.",
                sequence=broken[0],
                reason=broken[1],
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Verify Chain"),
                "message": message,
                "sticky": broken is not None,
                "type": "success" if broken is None else "danger",
            },
        }

    @api.model
    def _cron_purge(self):
        """Drop entries older than the retention (default 10 years), keeping the chain
        verifiable: the hash of the last dropped entry becomes the anchor."""
        years = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 10))
        limit = fields.Datetime.now() - datetime.timedelta(days=365 * years + years // 4)
        old = self.sudo().search([("create_date", "<", limit)], order="sequence")
        if old:
            self.env["ir.config_parameter"].sudo().set_param(ANCHOR_PARAM, old[-1].hash)
            old.with_context(tax_gateway_audit_purge=True).unlink()
