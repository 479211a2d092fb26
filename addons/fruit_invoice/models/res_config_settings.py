from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fruit_split_invoices = fields.Boolean(related="company_id.fruit_split_invoices", readonly=False)
    fruit_split_by_lot = fields.Boolean(related="company_id.fruit_split_by_lot", readonly=False)
    fruit_face_value_limit = fields.Monetary(
        related="company_id.fruit_face_value_limit", readonly=False
    )
    fruit_limit_includes_tax = fields.Boolean(
        related="company_id.fruit_limit_includes_tax", readonly=False
    )
    fruit_max_lines = fields.Integer(related="company_id.fruit_max_lines", readonly=False)
    fruit_red_letter_on_return = fields.Boolean(
        related="company_id.fruit_red_letter_on_return", readonly=False
    )
    fruit_approve_partial = fields.Boolean(
        related="company_id.fruit_approve_partial", readonly=False
    )
    fruit_farm_credit_rate = fields.Float(
        related="company_id.fruit_farm_credit_rate", readonly=False
    )
    fruit_farm_credit_account_id = fields.Many2one(
        related="company_id.fruit_farm_credit_account_id", readonly=False
    )
