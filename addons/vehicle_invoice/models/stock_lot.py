from fapiao_core.vehicle.vin import VinError, validate

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockLot(models.Model):
    """A vehicle's serial number is its VIN; the lot carries what its fapiao prints."""

    _inherit = "stock.lot"

    vehicle_ok = fields.Boolean(related="product_id.product_tmpl_id.vehicle_ok")
    vin = fields.Char(
        string="VIN",
        compute="_compute_vin",
        store=True,
        index=True,
        help="车辆识别代号: the serial number, normalized.",
    )
    vin_warning = fields.Char(compute="_compute_vin", store=True)
    engine_number = fields.Char(help="发动机号码")
    certificate_number = fields.Char(
        string="Certificate of Conformity", help="合格证号", copy=False
    )
    vehicle_brand = fields.Char(string="Brand", help="厂牌")
    vehicle_model = fields.Char(string="Model", help="型号")
    vehicle_type = fields.Char(help="车辆类型, e.g. 轿车")
    vehicle_origin = fields.Char(string="Origin", help="产地")
    manufacturer = fields.Char(help="生产企业名称")
    import_certificate = fields.Char(help="进口证明书号 (imported vehicles)")
    inspection_number = fields.Char(help="商检单号 (imported vehicles)")
    tonnage = fields.Char(help="吨位")
    seats = fields.Integer(help="限乘人数")
    guide_price = fields.Monetary(
        currency_field="vehicle_currency_id", help="厂商指导价 (tax included)"
    )
    vehicle_currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )

    _sql_constraints = [
        (
            "vin_company_unique",
            "unique(company_id, vin)",
            "One VIN, one vehicle: this VIN is already registered.",
        )
    ]

    @api.depends("name", "product_id.product_tmpl_id.vehicle_ok")
    def _compute_vin(self):
        for lot in self:
            lot.vin, lot.vin_warning = False, False
            if not lot.vehicle_ok:
                continue
            try:
                lot.vin, warning = validate(lot.name)
            except VinError:
                continue  # refused by _check_vin with the reason
            if warning:
                lot.vin_warning = self.env._(
                    "The check digit (position 9) does not match: usual for vehicles built "
                    "outside China, check the VIN on the certificate."
                )

    @api.constrains("name", "product_id")
    def _check_vin(self):
        for lot in self.filtered("vehicle_ok"):
            try:
                validate(lot.name)
            except VinError as err:
                raise ValidationError(self._vin_message(err)) from err

    def _vin_message(self, err):
        params = err.params
        if err.code == "length":
            return self.env._(
                "VIN %(vin)s has %(length)s characters: a VIN has exactly 17.",
                vin=params["vin"],
                length=params["length"],
            )
        if err.code == "characters":
            return self.env._(
                "VIN %(vin)s contains %(chars)s: a VIN uses digits and letters except I, O, Q.",
                vin=params["vin"],
                chars=params["chars"],
            )
        return self.env._(
            "VIN %(vin)s has a wrong check digit (position 9 should be %(expected)s): "
            "mandatory for vehicles built in China.",
            vin=params["vin"],
            expected=params["expected"],
        )
