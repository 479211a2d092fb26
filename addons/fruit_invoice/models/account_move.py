import datetime
import logging

from fapiao_core import money

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    fruit_invoicing = fields.Selection(
        [
            ("partial_qty", "Part of the order, by quantity"),
            ("partial_amount", "Part of the order, by amount"),
            ("preinvoice", "Before delivery (预开票)"),
        ],
        string="Partial Invoicing",
        readonly=True,
        copy=False,
        help="Made with Invoice Part of the Order: its fapiao waits for finance's approval "
        "when the company asks for it.",
    )
    fruit_preinvoice_state = fields.Selection(
        [("to_deliver", "Goods to deliver"), ("delivered", "Goods delivered")],
        string="Pre-invoiced Goods",
        compute="_compute_fruit_preinvoice_state",
        store=True,
        help="Pre-invoice (预开票): whether the goods invoiced before delivery have all left the "
        "warehouse since.",
    )

    @api.depends(
        "invoice_line_ids.fruit_preinvoice",
        "invoice_line_ids.fruit_preinvoice_delivered",
        "invoice_line_ids.quantity",
    )
    def _compute_fruit_preinvoice_state(self):
        for move in self:
            lines = move.invoice_line_ids.filtered("fruit_preinvoice")
            if move.move_type != "out_invoice" or not lines:
                move.fruit_preinvoice_state = False
            elif all(
                float_compare(
                    ln.fruit_preinvoice_delivered,
                    ln.quantity,
                    precision_rounding=ln.product_uom_id.rounding or 0.001,
                )
                >= 0
                for ln in lines
            ):
                move.fruit_preinvoice_state = "delivered"
            else:
                move.fruit_preinvoice_state = "to_deliver"

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

    # ------------------------------------------- buying from farmers (农产品收购发票)

    fruit_input_vat_move_id = fields.Many2one(
        "account.move", string="Input VAT Credit Entry", copy=False, readonly=True
    )

    def _fapiao_move_types(self):
        return (*super()._fapiao_move_types(), "in_invoice")

    def action_prepare_fapiao(self):
        """Customers invoiced on request, partial invoices and pre-invoices: the fapiao
        waits for finance."""
        action = super().action_prepare_fapiao()
        if self.move_type == "out_invoice":
            if self.commercial_partner_id.fruit_fapiao_policy == "on_request":
                self.fapiao_ids._fruit_ask_approval("on_request")
            elif self.fruit_invoicing and self.company_id.fruit_approve_partial:
                self.fapiao_ids._fruit_ask_approval(
                    "preinvoice" if self.fruit_invoicing == "preinvoice" else "partial"
                )
        return action

    def _fapiao_split_values(self):
        if self.move_type != "in_invoice":
            return super()._fapiao_split_values()
        grower = self.commercial_partner_id
        buyer = grower._fapiao_buyer_values()
        if not buyer["buyer_natural_person"] or not buyer["buyer_tax_id"]:
            raise UserError(
                _(
                    "A farm purchase invoice (农产品收购发票) is issued for produce bought from a "
                    "farmer: %s must be a natural person with an ID number (resident ID, "
                    "passport...).",
                    grower.display_name,
                )
            )
        if any(line.tax_ids for line in self._fapiao_product_lines()):
            raise UserError(
                _(
                    "Bill %s carries taxes: produce bought from farmers is exempt, its input "
                    "VAT is credited from the purchase invoice instead.",
                    self.name,
                )
            )
        return [self.env["tax.fapiao"]._prepare_from_move(self, kind="agri")]

    def _fruit_entry_amount(self):
        """The amount of a (balanced) journal entry: the sum of its debits, exact."""
        return money.cents(sum((money.D(d) for d in self.line_ids.mapped("debit")), money.D(0)))

    @api.model
    def _fapiao_refund_types(self):
        return {**super()._fapiao_refund_types(), "in_invoice": "in_refund"}

    def _fruit_book_farm_credit(self, fapiao):
        """Input VAT of a farm purchase: purchase price × rate, debited to input VAT and
        credited to the accounts the bill charged, once its purchase invoice is issued. On the
        vendor refund of a returned purchase, once its red fapiao is issued, the same entry
        the other way round for what came back; the refund that reverses the rest takes back
        exactly what is left, so the credit never drifts by a cent."""
        self.ensure_one()
        company = self.company_id
        account = company.fruit_farm_credit_account_id or self._fruit_input_vat_account()
        if not account:
            raise UserError(_("Set the farm purchase input VAT account of %s.", company.name))
        rate = money.D(company.fruit_farm_credit_rate) / 100
        refund = self.move_type == "in_refund"
        total = money.cents(abs(money.D(fapiao.amount_untaxed)) * rate)
        if refund and fapiao.origin_fapiao_id.state == "reversed":
            bill = self.reversed_entry_id
            booked = bill.fruit_input_vat_move_id._fruit_entry_amount()
            taken = sum(
                (
                    m.fruit_input_vat_move_id._fruit_entry_amount()
                    for m in bill.reversal_move_ids - self
                ),
                money.D("0.00"),
            )
            total = booked - taken
        lines = self._fapiao_product_lines()
        side, other = ("debit", "credit") if refund else ("credit", "debit")
        counterparts, left = [], total
        for index, line in enumerate(lines):
            amount = (
                left
                if index == len(lines) - 1
                else money.cents(money.D(line.price_subtotal) * rate)
            )
            left -= amount
            counterparts.append(
                Command.create(
                    {
                        "name": _("Farm purchase credit %s", fapiao.number),
                        "account_id": line.account_id.id,
                        side: float(amount),
                        "partner_id": self.commercial_partner_id.id,
                    }
                )
            )
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.journal_id.id,
                "date": fields.Date.context_today(self),
                "ref": _(
                    "农产品收购发票 %(number)s: input VAT %(rate)s%%",
                    number=fapiao.number,
                    rate=money.plain(money.D(company.fruit_farm_credit_rate)),
                ),
                "company_id": company.id,
                "line_ids": [
                    Command.create(
                        {
                            "name": _("Input VAT, farm purchase %s", fapiao.number),
                            "account_id": account.id,
                            other: float(total),
                            "partner_id": self.commercial_partner_id.id,
                        }
                    ),
                    *counterparts,
                ],
            }
        )
        entry.action_post()
        self.fruit_input_vat_move_id = entry
        return entry

    def _fruit_input_vat_account(self):
        tax = self.env["account.tax"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("type_tax_use", "=", "purchase"),
                ("amount_type", "=", "percent"),
                ("amount", "=", 9.0),
            ],
            limit=1,
        )
        return tax.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id[:1]
