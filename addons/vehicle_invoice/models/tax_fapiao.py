from fapiao_core import states

from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from odoo.addons.tax_gateway.models.tax_fapiao import VEHICLE_KINDS
from odoo.addons.tax_gateway.models.tax_gateway_workflow import transition

WORKFLOW_FIELDS = {"vehicle_lot_id", "vehicle_sold_total"}


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

    def _workflow_fields(self):
        return super()._workflow_fields() | WORKFLOW_FIELDS

    def _platform_vehicle(self):
        """The vehicle of the VIN's lot, as the platform asks for it (vehicleInfo)."""
        lot = self.vehicle_lot_id
        if not lot:
            return super()._platform_vehicle()
        brand_model = " ".join(filter(None, (lot.vehicle_brand, lot.vehicle_model)))
        return {
            "vehicle_type": lot.vehicle_type,
            "brand_model": brand_model,
            "origin": lot.vehicle_origin,
            "vin": lot.vin,
            "certificate": lot.certificate_number,
            "import_certificate": lot.import_certificate,
            "inspection_number": lot.inspection_number,
            "engine_number": lot.engine_number,
            "tonnage": lot.tonnage,
            "seats": str(lot.seats) if lot.seats else "",
            "manufacturer": lot.manufacturer,
        }

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

    def _check_before_issue(self, **kwargs):
        res = super()._check_before_issue(**kwargs)
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
            # the VIN and the vehicle's data: checked by tax_gateway (the platform's vehicleInfo)
        return res

    # ------------------------------------------------ all or nothing for a deal
    def _vehicle_deal_siblings(self):
        """The other blue fapiao of this fapiao's dealer invoice (a deal with a vehicle)."""
        self.ensure_one()
        blue = self.move_id.fapiao_ids.filtered(
            lambda f: f.direction == "blue" and f.state != "cancelled"
        )
        return (blue - self) if blue.filtered("vehicle_lot_id") else self.browse()

    def _vehicle_deal_failed(self):
        """True when a fapiao of this deal was refused for good by the platform."""
        return any(
            f.state == "failed" and not f.error_retryable for f in self._vehicle_deal_siblings()
        )

    def _mark_failed(self, code, message, retryable=False, new_key=False):
        res = super()._mark_failed(code, message, retryable=retryable, new_key=new_key)
        if not retryable:
            for fapiao in self.filtered(lambda f: f.direction == "blue"):
                fapiao._vehicle_undo_deal()
        return res

    def _mark_issued(self, number, issue_date, **values):
        res = super()._mark_issued(number, issue_date, **values)
        # a part that was still with the platform when another part failed
        if self.direction == "blue" and self._vehicle_deal_failed():
            self._vehicle_reverse_parts(self)
        return res

    @transition
    def _vehicle_undo_deal(self):
        """A deal's fapiao go out all or none: when one is refused for good, the parts not
        sent yet go back to draft and the parts already issued are reversed by red letter
        (开票有误); parts still with the platform are reversed when their number comes."""
        siblings = self._vehicle_deal_siblings()
        if not siblings:
            return
        siblings.filtered(lambda f: f.state == "to_issue").write({"state": "draft"})
        issued = siblings.filtered(lambda f: f.state in states.REVERSIBLE)
        self._vehicle_reverse_parts(issued)
        self.move_id.message_post(
            body=_(
                "Fapiao %(failed)s of this deal was refused by the platform (%(code)s): the "
                "deal is invoiced all or nothing, so %(issued)s issued part(s) are reversed by "
                "red letter and the others wait as drafts. Correct the cause, then issue the "
                "deal again.",
                failed=self.display_name,
                code=self.error_code,
                issued=len(issued),
            )
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Deal half issued: parts reversed"),
            note=self.error_message,
            user_id=self._manager_user().id,
        )

    def _vehicle_reverse_parts(self, parts):
        forms = self.env["tax.red.form"]
        for blue in parts:
            left = blue._red_amounts_left()
            lines = [
                Command.create(
                    {
                        "blue_line_id": line.id,
                        "quantity": line.quantity,
                        "amount": float(left[line.id][0]),
                        "tax_amount": float(left[line.id][1]),
                    }
                )
                for line in blue.line_ids
                if left[line.id][0] > 0
            ]
            if lines:
                forms |= forms.create({"fapiao_id": blue.id, "reason": "01", "line_ids": lines})
        # reason: no user asks for these red letters: the platform refused part of a deal and
        # the dealer's all-or-nothing rule (configured by a Fapiao Manager) reverses the rest
        forms._send()
        return forms
