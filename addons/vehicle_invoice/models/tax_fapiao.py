from odoo import _, fields, models
from odoo.exceptions import UserError

VEHICLE_KINDS = ("83", "87")


class TaxFapiao(models.Model):
    _inherit = "tax.fapiao"

    vehicle_lot_id = fields.Many2one(
        "stock.lot", string="Vehicle (VIN)", readonly=True, index=True, ondelete="restrict"
    )
    vehicle_sold_total = fields.Monetary(
        string="Sold Price of the Vehicle",
        readonly=True,
        help="Price of this vehicle on its sales order (tax included): the fapiao never "
        "exceeds it.",
    )

    _sql_constraints = [
        (
            "vehicle_not_above_sold",
            "CHECK(vehicle_lot_id IS NULL OR direction = 'red' OR amount_total IS NULL"
            " OR amount_total <= vehicle_sold_total + 0.005)",
            "A vehicle's fapiao can never exceed the price it was sold for.",
        )
    ]

    def init(self):
        res = super().init()
        # One VIN, one live blue fapiao: enforced by PostgreSQL, so two clerks preparing or
        # issuing at the same moment cannot both succeed. A fully reversed (or cancelled)
        # fapiao frees the VIN for a new sale.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS tax_fapiao_vehicle_lot_live_uniq"
            " ON tax_fapiao (vehicle_lot_id)"
            " WHERE vehicle_lot_id IS NOT NULL AND direction = 'blue'"
            " AND state NOT IN ('cancelled', 'voided', 'reversed')"
        )
        return res

    def _check_before_issue(self):
        res = super()._check_before_issue()
        if self.kind in VEHICLE_KINDS:
            if len(self.line_ids) != 1 or self.line_ids.quantity != 1:
                raise UserError(
                    _("A motor-vehicle fapiao carries exactly one vehicle on a single line.")
                )
            if (self.remark or "").strip():
                raise UserError(_("The remark of a motor-vehicle fapiao stays empty."))
            if not self.buyer_tax_id:
                raise UserError(
                    _("A motor-vehicle fapiao needs the buyer's ID (USCC or resident ID).")
                )
            if not self.vehicle_lot_id:
                raise UserError(_("A motor-vehicle fapiao needs the vehicle's VIN."))
        return res
