from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fruit_split_invoices = fields.Boolean(
        string="Split Sales Invoices",
        help="Invoices created from sales orders are split by customer, batch (lot), tax "
        "treatment, face-value limit and number of lines.",
    )
    fruit_split_by_lot = fields.Boolean(string="One Invoice per Batch", default=True)
    fruit_face_value_limit = fields.Monetary(
        string="Face-Value Limit",
        currency_field="currency_id",
        help="Largest amount on one invoice (0: no limit).",
    )
    fruit_limit_includes_tax = fields.Boolean(
        string="Limit Includes Tax",
        help="Compare the limit with the total including VAT instead of the amount excluding it.",
    )
    fruit_max_lines = fields.Integer(string="Maximum Lines per Invoice", help="0: no maximum.")
    fruit_red_letter_on_return = fields.Boolean(
        string="Red Letters on Returns",
        help="When goods invoiced with an issued fapiao come back, the credit note for exactly "
        "what came back and its red letter (销货退回) are made and sent on their own.",
    )
