from odoo import api, fields, models


class TaxGatewayRequestLog(models.Model):
    _name = "tax.gateway.request.log"
    _description = "Tax Platform Request Log"
    _order = "id desc"

    provider_id = fields.Many2one("tax.gateway.provider", ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", index=True)
    method = fields.Char(index=True)
    duration_ms = fields.Float(string="Latency (ms)", aggregator="avg")
    http_status = fields.Integer(string="HTTP Status")
    code = fields.Char(index=True)
    success = fields.Boolean(compute="_compute_success", store=True)

    @api.depends("code")
    def _compute_success(self):
        for log in self:
            log.success = log.code in ("E0000", "E9106")
