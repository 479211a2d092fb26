from odoo import _, models
from odoo.exceptions import UserError


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
