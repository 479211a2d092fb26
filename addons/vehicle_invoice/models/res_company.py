from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # A module adding a strategy registers it in vi_core.strategies and extends this field
    # with selection_add.
    vehicle_split_strategy = fields.Selection(
        [
            ("by_role", "Vehicle / accessories / services"),
            ("by_category", "Vehicle / one fapiao per product category"),
            ("vehicle_only", "Vehicle / everything else"),
        ],
        string="Dealer Split Strategy",
        default="by_role",
        required=True,
        help="How an invoice with vehicles becomes fapiao. Each vehicle always gets its own "
        "motor-vehicle fapiao; the strategy decides for accessories and services.",
    )

    @api.model
    def _fapiao_guarded_fields(self):
        return super()._fapiao_guarded_fields() | {
            name for name in self._fields if name.startswith("vehicle_")
        }
