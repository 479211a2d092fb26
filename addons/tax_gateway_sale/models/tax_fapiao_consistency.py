from fapiao_core import money, states

from odoo import fields, models, tools


class TaxFapiaoConsistency(models.Model):
    """Per confirmed sales order: what was ordered, invoiced (net of credit notes) and issued
    as fapiao (net of red letters), all tax included. Invoice and fapiao lines are attributed
    to orders through their sales order lines, so an invoice covering several orders is
    shared correctly; a red fapiao line counts for the order of the blue line it reverses."""

    _name = "tax.fapiao.consistency"
    _description = "Orders, Invoices and Fapiao"
    _auto = False
    _order = "date_order desc, id desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("sale.order", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    date_order = fields.Datetime(string="Order Date", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_ordered = fields.Monetary(string="Ordered", readonly=True)
    amount_invoiced = fields.Monetary(string="Invoiced", readonly=True)
    amount_fapiao = fields.Monetary(string="Fapiao Issued", readonly=True)
    gap_invoiced = fields.Monetary(
        string="Invoiced − Ordered", readonly=True, help="Negative: not fully invoiced yet."
    )
    gap_fapiao = fields.Monetary(
        string="Fapiao − Invoiced", readonly=True, help="Negative: invoiced without fapiao yet."
    )
    invoice_mismatch = fields.Boolean(
        string="Invoiced ≠ Ordered", readonly=True, help="Differ by more than 0.01."
    )
    fapiao_mismatch = fields.Boolean(
        string="Fapiao ≠ Invoiced", readonly=True, help="Differ by more than 0.01."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE OR REPLACE VIEW tax_fapiao_consistency AS (
                WITH line_order AS (
                    SELECT DISTINCT rel.invoice_line_id AS move_line_id, sol.order_id
                      FROM sale_order_line_invoice_rel rel
                      JOIN sale_order_line sol ON sol.id = rel.order_line_id
                ), invoiced AS (
                    SELECT lo.order_id,
                           SUM(CASE WHEN m.move_type = 'out_refund'
                                    THEN -aml.price_total ELSE aml.price_total END) AS amount
                      FROM line_order lo
                      JOIN account_move_line aml ON aml.id = lo.move_line_id
                      JOIN account_move m ON m.id = aml.move_id
                     WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
                     GROUP BY lo.order_id
                ), fapiao AS (
                    SELECT lo.order_id, SUM(fl.amount + fl.tax_amount) AS amount
                      FROM tax_fapiao_line fl
                      JOIN tax_fapiao f ON f.id = fl.fapiao_id
                      LEFT JOIN tax_fapiao_line blue ON blue.id = fl.origin_line_id
                      JOIN line_order lo
                        ON lo.move_line_id = COALESCE(blue.move_line_id, fl.move_line_id)
                     WHERE f.state IN %s
                     GROUP BY lo.order_id
                )
                SELECT so.id, so.id AS order_id, so.company_id, so.partner_id, so.user_id,
                       so.date_order, so.currency_id,
                       so.amount_total AS amount_ordered,
                       COALESCE(i.amount, 0) AS amount_invoiced,
                       COALESCE(fp.amount, 0) AS amount_fapiao,
                       COALESCE(i.amount, 0) - so.amount_total AS gap_invoiced,
                       COALESCE(fp.amount, 0) - COALESCE(i.amount, 0) AS gap_fapiao,
                       ABS(COALESCE(i.amount, 0) - so.amount_total) > %s AS invoice_mismatch,
                       ABS(COALESCE(fp.amount, 0) - COALESCE(i.amount, 0)) > %s
                           AS fapiao_mismatch
                  FROM sale_order so
                  LEFT JOIN invoiced i ON i.order_id = so.id
                  LEFT JOIN fapiao fp ON fp.order_id = so.id
                 WHERE so.state = 'sale'
            )
            """,
            [states.ISSUED, money.INVOICE_TOLERANCE, money.INVOICE_TOLERANCE],
        )
