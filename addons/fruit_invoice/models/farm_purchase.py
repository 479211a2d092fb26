from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from odoo.addons.tax_gateway.tg_core import money


class AccountMove(models.Model):
    _inherit = "account.move"

    fruit_input_vat_move_id = fields.Many2one(
        "account.move", string="Input VAT Credit Entry", copy=False, readonly=True
    )

    def _fapiao_move_types(self):
        return (*super()._fapiao_move_types(), "in_invoice")

    def _fapiao_split_values(self):
        if self.move_type != "in_invoice":
            return super()._fapiao_split_values()
        grower = self.commercial_partner_id
        buyer = grower._fapiao_buyer_values()
        if not buyer["buyer_natural_person"] or not buyer["buyer_tax_id"]:
            raise UserError(
                _(
                    "A farm purchase invoice (农产品收购发票) is issued for produce bought from a "
                    "farmer: %s must be a natural person with a resident ID number.",
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

    def _fruit_book_farm_credit(self, fapiao):
        """Input VAT of a farm purchase: purchase price × rate, debited to input VAT and
        credited to the accounts the bill charged, once its purchase invoice is issued."""
        self.ensure_one()
        company = self.company_id
        account = company.fruit_farm_credit_account_id or self._fruit_input_vat_account()
        if not account:
            raise UserError(_("Set the farm purchase input VAT account of %s.", company.name))
        rate = money.D(company.fruit_farm_credit_rate) / 100
        lines = self._fapiao_product_lines()
        total = money.cents(money.D(fapiao.amount_untaxed) * rate)
        credits, left = [], total
        for index, line in enumerate(lines):
            amount = (
                left
                if index == len(lines) - 1
                else money.cents(money.D(line.price_subtotal) * rate)
            )
            left -= amount
            credits.append(
                Command.create(
                    {
                        "name": _("Farm purchase credit %s", fapiao.number),
                        "account_id": line.account_id.id,
                        "credit": float(amount),
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
                            "debit": float(total),
                            "partner_id": self.commercial_partner_id.id,
                        }
                    ),
                    *credits,
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


class TaxFapiao(models.Model):
    _inherit = "tax.fapiao"

    def _mark_issued(self, number, issue_date, serial=None):
        res = super()._mark_issued(number, issue_date, serial=serial)
        move = self.move_id
        if self.kind == "agri" and self.direction == "blue" and not move.fruit_input_vat_move_id:
            try:
                with self.env.cr.savepoint():
                    move._fruit_book_farm_credit(self)
            except UserError as err:
                # the bureau issued it: the credit waits for the accountant, never the fapiao
                self.message_post(body=_("Input VAT not booked: %s", err.args[0]))
        return res
