from fapiao_core import money, platform

from odoo import api, fields, models

from .tax_classification import POLICY_FLAGS


class TaxFapiaoLine(models.Model):
    """One line as the platform needs it: *简称*名称, spec, unit, quantity, price, amount, tax."""

    _name = "tax.fapiao.line"
    _description = "Fapiao Line"
    _order = "fapiao_id, sequence, id"

    fapiao_id = fields.Many2one("tax.fapiao", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="fapiao_id.company_id", store=True)
    currency_id = fields.Many2one(related="fapiao_id.currency_id")
    move_line_id = fields.Many2one(
        "account.move.line", string="Invoice Line", index=True, ondelete="restrict"
    )
    origin_line_id = fields.Many2one(
        "tax.fapiao.line",
        string="Blue Line",
        index=True,
        ondelete="restrict",
        help="On a red fapiao: the blue line it reverses.",
    )
    product_id = fields.Many2one("product.product")
    name = fields.Char(string="Item Name", required=True)
    tax_code_id = fields.Many2one("tax.classification")
    tax_code = fields.Char(related="tax_code_id.code", string="19-digit Code")
    short_name = fields.Char(help="简称; empty: the tax code's.")
    item_name = fields.Char(
        compute="_compute_item_name",
        string="Printed Name",
        help="*简称*名称 as printed on the fapiao.",
    )
    spec = fields.Char(string="Specification")
    uom_name = fields.Char(string="Unit")
    quantity = fields.Float(digits=(20, 8))
    unit_price = fields.Float(string="Unit Price (excl. tax)", digits=(20, 8))
    amount = fields.Monetary(string="Amount (excl. tax)", required=True)
    tax_rate = fields.Float(string="Rate", digits=(5, 4), required=True)
    tax_amount = fields.Monetary(string="Tax", required=True)
    amount_total = fields.Monetary(compute="_compute_amount_total", string="Total")
    policy_flag = fields.Selection(POLICY_FLAGS, string="Policy Marker")

    @api.depends("name", "short_name", "tax_code_id.short_name")
    def _compute_item_name(self):
        for line in self:
            short = line.short_name or line.tax_code_id.short_name
            line.item_name = f"*{short}*{line.name}" if short else line.name

    @api.depends("amount", "tax_amount")
    def _compute_amount_total(self):
        for line in self:
            line.amount_total = float(money.cents(money.D(line.amount) + money.D(line.tax_amount)))

    def _preview_number(self, value):
        return money.plain(money.D(round(value, 8)).normalize()) if value else ""

    def _preview_rate(self):
        self.ensure_one()
        if self.policy_flag == "03":
            return "免税"
        if self.policy_flag == "04":
            return "不征税"
        return f"{money.D(round(self.tax_rate * 100, 2)).normalize()}%"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.fapiao_id._check_editable()
        return lines

    def write(self, vals):
        self.fapiao_id._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_editable(self):
        self.fapiao_id._check_editable()

    def _money_values(self):
        """Amounts as exact Decimals for the checks and the wire (8-decimal price and quantity)."""
        self.ensure_one()
        return {
            "quantity": money.D(round(self.quantity, 8)).normalize() if self.quantity else None,
            "unit_price": money.D(round(self.unit_price, 8)).normalize()
            if self.unit_price
            else None,
            "amount": money.cents(self.amount),
            "rate": money.D(round(self.tax_rate, 4)),
            "tax": money.cents(self.tax_amount),
        }

    def _platform_line(self):
        """This line as the neutral line every platform's dialect takes."""
        values = self._money_values()
        return platform.Line(
            name=self.name,
            tax_code=self.tax_code or "",
            rate=values["rate"],
            amount=values["amount"],
            tax=values["tax"],
            spec=self.spec or "",
            unit=self.uom_name or "",
            quantity=values["quantity"],
            unit_price=values["unit_price"],
            policy_flag=self.policy_flag or "",
        )

    @api.model
    def _prepare_from_move_line(self, move_line):
        """Values for a fapiao line from an invoice line (discounts folded into the price)."""
        product = move_line.product_id
        code = product.product_tmpl_id._get_tax_classification() if product else False
        vat_taxes = move_line.tax_ids.filtered(lambda t: t.amount_type == "percent")
        rate = money.D(sum(vat_taxes.mapped("amount"))) / 100
        amount = money.cents(move_line.price_subtotal)
        tax = money.cents(money.D(move_line.price_total) - money.D(move_line.price_subtotal))
        quantity = money.D(move_line.quantity)
        unit_price = (amount / quantity).quantize(money.D("0.00000001")) if quantity else None
        policy = code.policy_flag if code else False
        if not rate and not policy:
            policy = "03"  # a zero-rate domestic line is an exempt sale unless told otherwise
        return {
            "move_line_id": move_line.id,
            "sequence": move_line.sequence,
            "product_id": product.id,
            "name": (product.name if product else move_line.name or "")[:90],
            "tax_code_id": code.id if code else False,
            "spec": product.fapiao_spec or False if product else False,
            # the unit as the fapiao prints it, in Chinese whoever prepares it (kg, 个, 辆)
            "uom_name": move_line.product_uom_id._fapiao_name()
            if move_line.product_uom_id
            else False,
            "quantity": float(quantity) if quantity else 0.0,
            "unit_price": float(unit_price) if unit_price is not None else 0.0,
            "amount": float(amount),
            "tax_rate": float(rate),
            "tax_amount": float(tax),
            "policy_flag": policy,
        }
