from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    vehicle_ok = fields.Boolean(
        string="Is a Vehicle",
        help="Sold one by one under its VIN, each on its own motor-vehicle fapiao (机动车).",
    )

    def _vehicle_role(self):
        """vehicle / accessory (精品) / service: how split strategies treat the product."""
        self.ensure_one()
        if self.vehicle_ok:
            return "vehicle"
        return "service" if self.type == "service" else "accessory"

    @api.constrains("vehicle_ok", "tracking")
    def _check_vehicle_tracking(self):
        for template in self.filtered("vehicle_ok"):
            if template.tracking != "serial":
                raise ValidationError(
                    self.env._(
                        "Vehicle %s must be tracked by unique serial number: "
                        "the serial is its VIN.",
                        template.display_name,
                    )
                )
