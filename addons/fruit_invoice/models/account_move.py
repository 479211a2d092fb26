import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _fruit_paid_on(self):
        """The day the invoice was fully paid (the last reconciliation of its receivable)."""
        self.ensure_one()
        receivable = self.line_ids.filtered(
            lambda ln: ln.account_id.account_type == "asset_receivable"
        )
        dates = (receivable.matched_credit_ids + receivable.matched_debit_ids).mapped("max_date")
        return max(dates) if dates else None

    @api.model
    def _cron_fruit_auto_fapiao(self, today=None):
        """T+N: paid invoices of customers on 'Automatic after payment' get their fapiao
        prepared and issued. Anything that cannot be issued is left for a person, with a
        note on the invoice; the others go on."""
        today = today or fields.Date.context_today(self)
        candidates = self.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("fapiao_state", "=", "none"),
                ("commercial_partner_id.fruit_fapiao_policy", "=", "after_payment"),
            ],
            limit=500,
        )
        done = self.browse()
        for move in candidates:
            paid_on = move._fruit_paid_on()
            delay = datetime.timedelta(days=move.commercial_partner_id.fruit_fapiao_delay)
            if not paid_on or paid_on + delay > today:
                continue
            try:
                with self.env.cr.savepoint():
                    fapiao = (
                        self.env["tax.fapiao"].browse(move.action_prepare_fapiao().get("res_id"))
                        or move.fapiao_ids
                    )
                    # authorised by the customer's policy, which only a Fapiao Manager sets
                    fapiao._submit()
            except UserError as err:
                move.message_post(
                    body=_("The automatic fapiao could not be issued: %s", err.args[0])
                )
                continue
            move.message_post(body=_("Fapiao issued automatically (paid on %s).", paid_on))
            done |= move
        return done
