from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fapiao_identity_check_amount = fields.Monetary(
        related="company_id.fapiao_identity_check_amount", readonly=False
    )
    fapiao_bank_account = fields.Char(related="company_id.fapiao_bank_account", readonly=False)
    fapiao_address_phone = fields.Char(related="company_id.fapiao_address_phone", readonly=False)
    fapiao_drawer_id = fields.Many2one(related="company_id.fapiao_drawer_id", readonly=False)
