from odoo import fields, models, tools


class FruitBatchInvoiceReport(models.Model):
    """What was invoiced from each batch (lot): posted customer invoices net of credit notes,
    per invoice line and batch. A line delivered from several batches (not split by batch) is
    shared equally between them. Goods pre-invoiced (预开票) that have not left yet have no
    batch: they show without one until they are delivered."""

    _name = "fruit.batch.invoice.report"
    _description = "Batch Invoicing Analysis"
    _auto = False
    _order = "invoice_date desc, id desc"
    _rec_name = "lot_id"

    lot_id = fields.Many2one("stock.lot", string="Batch", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    fruit_origin = fields.Char(string="Place of Origin", readonly=True)
    fruit_grade = fields.Selection(
        selection=lambda self: self.env["stock.lot"]._fields["fruit_grade"].selection,
        string="Grade",
        readonly=True,
    )
    fruit_grower_id = fields.Many2one("res.partner", string="Grower", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    invoice_date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    fapiao_state = fields.Selection(
        selection=lambda self: self.env["account.move"]._fields["fapiao_state"].selection,
        readonly=True,
    )
    fruit_preinvoice = fields.Boolean(string="Pre-invoiced", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    amount_untaxed = fields.Monetary(string="Untaxed", readonly=True)
    amount_tax = fields.Monetary(string="Tax", readonly=True)
    amount_total = fields.Monetary(string="Total", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE OR REPLACE VIEW fruit_batch_invoice_report AS (
                WITH shares AS (
                    SELECT move_line_id, count(*) AS n
                      FROM account_move_line_fruit_lot_rel
                     GROUP BY move_line_id
                )
                SELECT row_number() OVER (ORDER BY aml.id, rel.lot_id) AS id,
                       rel.lot_id, aml.product_id, lot.fruit_origin, lot.fruit_grade,
                       lot.fruit_grower_id, m.id AS move_id,
                       m.commercial_partner_id AS partner_id, m.invoice_date,
                       m.company_id, m.currency_id, m.fapiao_state,
                       COALESCE(aml.fruit_preinvoice, FALSE) AS fruit_preinvoice,
                       s.sign * aml.quantity / s.n AS quantity,
                       ROUND(s.sign * aml.price_subtotal / s.n, 2) AS amount_untaxed,
                       ROUND(s.sign * (aml.price_total - aml.price_subtotal) / s.n, 2)
                           AS amount_tax,
                       ROUND(s.sign * aml.price_total / s.n, 2) AS amount_total
                  FROM account_move_line aml
                  JOIN account_move m ON m.id = aml.move_id
                  LEFT JOIN account_move_line_fruit_lot_rel rel ON rel.move_line_id = aml.id
                  LEFT JOIN shares sh ON sh.move_line_id = aml.id
                  LEFT JOIN stock_lot lot ON lot.id = rel.lot_id
                  CROSS JOIN LATERAL (
                      SELECT CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign,
                             COALESCE(sh.n, 1) AS n
                  ) s
                 WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
                   AND (rel.lot_id IS NOT NULL OR aml.fruit_preinvoice)
            )
            """
        )
