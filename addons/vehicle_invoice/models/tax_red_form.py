from odoo import _, api, fields, models
from odoo.exceptions import UserError

RETURN, DISCOUNT = "02", "04"


class TaxRedForm(models.Model):
    _inherit = "tax.red.form"

    vehicle_lot_id = fields.Many2one(related="fapiao_id.vehicle_lot_id", string="Vehicle (VIN)")
    vehicle_certificate_returned = fields.Boolean(
        string="Certificate of Conformity Returned",
        tracking=True,
        help="合格证: the buyer gave the vehicle's certificate of conformity back. A returned "
        "vehicle (销货退回) comes back with it; without it only a partial discount (销售折让) "
        "or the correction of an error (开票有误) can be reversed.",
    )

    @api.onchange("reason")
    def _onchange_reason_vehicle(self):
        if self.vehicle_lot_id and self.reason == RETURN:
            self.vehicle_certificate_returned = True

    def _check_before_send(self):
        res = super()._check_before_send()
        if not self.vehicle_lot_id or self.vehicle_certificate_returned:
            return res
        if self.reason == RETURN:
            raise UserError(
                _(
                    "Vehicle %s is returned (销货退回): its certificate of conformity (合格证) "
                    "must come back with it. Tick “Certificate of Conformity Returned”, or "
                    "grant a discount (销售折让) instead.",
                    self.vehicle_lot_id.name,
                )
            )
        if self.reason not in ("01",) and self.full_reversal:
            raise UserError(
                _(
                    "Without the certificate of conformity (合格证) of vehicle %s, only part "
                    "of its fapiao can be reversed as a discount (销售折让).",
                    self.vehicle_lot_id.name,
                )
            )
        return res
