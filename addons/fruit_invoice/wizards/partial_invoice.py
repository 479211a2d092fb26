from decimal import Decimal

from fapiao_core import money
from fapiao_core.fruit.partial import fill_amount
from fapiao_core.fruit.splitting import Line, SplitError

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

MODES = [
    ("quantity", "By quantity"),
    ("amount", "By amount"),
    ("preinvoice", "Before delivery (预开票)"),
]
MOVE_KIND = {"quantity": "partial_qty", "amount": "partial_amount", "preinvoice": "preinvoice"}


class FruitPartialInvoice(models.TransientModel):
    _name = "fruit.partial.invoice"
    _description = "Invoice Part of a Sales Order"

    order_id = fields.Many2one("sale.order", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id")
    currency_id = fields.Many2one(related="order_id.currency_id")
    mode = fields.Selection(
        MODES,
        required=True,
        default="quantity",
        help="By quantity: the quantities you enter, of goods delivered and not invoiced yet. "
        "By amount: whole lines in order, then the largest quantity of the next line that keeps "
        "the total (tax included) within the amount. Before delivery (预开票): goods ordered "
        "and not delivered yet; their batches are matched when they leave.",
    )
    amount = fields.Monetary(
        string="Amount (Tax Included)",
        currency_field="currency_id",
        help="The total with VAT (价税合计) the customer wants invoiced now.",
    )
    line_ids = fields.One2many("fruit.partial.invoice.line", "wizard_id", string="Lines")
    amount_total = fields.Monetary(
        string="Total (Tax Included)", compute="_compute_amount_total", currency_field="currency_id"
    )
    needs_approval = fields.Boolean(related="company_id.fruit_approve_partial")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        order = self.env["sale.order"].browse(
            values.get("order_id") or self.env.context.get("active_id")
        )
        if order:
            values["order_id"] = order.id
            if not any(line.qty_to_invoice > 0 for line in order.order_line):
                values["mode"] = "preinvoice"
            values["line_ids"] = self._line_commands(order, values.get("mode") or "quantity")
        return values

    @api.model
    def _line_commands(self, order, mode):
        commands = [Command.clear()]
        for sale_line in order.order_line.filtered(
            lambda ln: not ln.display_type and not ln.is_downpayment
        ).sorted(lambda ln: (ln.sequence, ln.id)):
            available = self._available(sale_line, mode)
            if available > 0:
                commands.append(
                    Command.create(
                        {
                            "sale_line_id": sale_line.id,
                            "available": available,
                            "quantity": 0.0 if mode == "amount" else available,
                        }
                    )
                )
        return commands

    @api.model
    def _available(self, sale_line, mode):
        if mode == "preinvoice":
            if sale_line.product_id.invoice_policy == "order":
                return 0.0  # invoiced on the ordered quantity anyway
            return sale_line._fruit_qty_preinvoiceable()
        return max(sale_line.qty_to_invoice, 0.0)

    @api.onchange("mode")
    def _onchange_mode(self):
        if self.order_id:
            self.line_ids = self._line_commands(self.order_id, self.mode)
            if self.mode == "amount" and self.amount:
                self._onchange_amount()

    @api.onchange("amount")
    def _onchange_amount(self):
        if self.mode != "amount" or not self.amount:
            return
        try:
            taken = dict(self._fill(self.line_ids))
        except UserError as err:
            return {"warning": {"title": _("Amount"), "message": err.args[0]}}
        for line in self.line_ids:
            line.quantity = float(taken.get(line, 0))

    @api.depends("line_ids.quantity", "line_ids.sale_line_id")
    def _compute_amount_total(self):
        for wizard in self:
            total = Decimal("0.00")
            for line in wizard.line_ids.filtered(lambda ln: ln.quantity > 0):
                engine_line = line._engine_line(line.quantity)
                if engine_line is not None:
                    total += engine_line.amount + engine_line.tax
            wizard.amount_total = float(total)

    def _fill(self, lines):
        """(wizard line, quantity) for the amount, the order's lines taken in order."""
        engine_lines = {}
        for line in lines:
            engine_line = line._engine_line(line.available)
            if engine_line is None:
                raise UserError(
                    _(
                        "%s has a tax that is not a simple percentage: invoice it by quantity.",
                        line.sale_line_id.display_name,
                    )
                )
            engine_lines[line] = engine_line
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        try:
            taken, _total = fill_amount(
                list(engine_lines.values()), money.D(self.amount), step=Decimal(1).scaleb(-digits)
            )
        except SplitError as err:
            if err.code == "amount_above":
                raise UserError(
                    _(
                        "%(amount)s is more than what is left to invoice on this order "
                        "(%(available)s with tax).",
                        amount=money.plain(money.D(self.amount)),
                        available=money.plain(err.params["available"]),
                    )
                ) from err
            raise UserError(_("Enter a positive amount to invoice.")) from err
        by_id = {line.id: line for line in lines}
        return [(by_id[engine_line.key], quantity) for engine_line, quantity in taken]

    def action_create_invoices(self):
        """Create the invoice(s) for the quantities entered, after checking them again with
        the order's lines locked: two users never invoice the same goods twice."""
        self.ensure_one()
        order = self.order_id
        if order.state != "sale":
            raise UserError(_("Only a confirmed sales order can be invoiced."))
        sale_lines = self.line_ids.sale_line_id
        if sale_lines:
            # a concurrent invoice of these lines makes this transaction fail and retry
            self.env.cr.execute(
                "SELECT id FROM sale_order_line WHERE id IN %s FOR NO KEY UPDATE",
                (tuple(sale_lines.ids),),
            )
            sale_lines.invalidate_recordset()
        if self.mode == "amount":
            for line in self.line_ids:
                line.available = self._available(line.sale_line_id, self.mode)
            wanted = [(ln, float(qty)) for ln, qty in self._fill(self.line_ids)]
        else:
            wanted = [(ln, ln.quantity) for ln in self.line_ids if ln.quantity]
        wanted = [(ln, qty) for ln, qty in wanted if qty]
        if not wanted:
            raise UserError(_("Nothing to invoice: enter a quantity on at least one line."))
        line_commands = []
        for sequence, (line, quantity) in enumerate(wanted, start=1):
            sale_line = line.sale_line_id
            available = self._available(sale_line, self.mode)
            rounding = sale_line.product_uom.rounding
            if float_compare(quantity, 0.0, precision_rounding=rounding) < 0:
                raise UserError(_("%s: a quantity cannot be negative.", sale_line.display_name))
            if float_compare(quantity, available, precision_rounding=rounding) > 0:
                message = (
                    _(
                        "%(line)s: %(quantity)s is more than the %(available)s that may still "
                        "be invoiced before delivery (ordered, neither delivered nor invoiced)."
                    )
                    if self.mode == "preinvoice"
                    else _(
                        "%(line)s: %(quantity)s is more than the %(available)s that may still "
                        "be invoiced (delivered, not invoiced yet)."
                    )
                )
                raise UserError(
                    message
                    % {
                        "line": sale_line.display_name,
                        "quantity": float_round(quantity, precision_rounding=rounding),
                        "available": float_round(available, precision_rounding=rounding),
                    }
                )
            values = sale_line._prepare_invoice_line(quantity=quantity, sequence=sequence)
            if self.mode == "preinvoice":
                values["fruit_preinvoice"] = True
            line_commands.append(Command.create(values))
        invoice_vals = order._prepare_invoice()
        invoice_vals["invoice_line_ids"] = line_commands
        moves = order._create_account_invoices([invoice_vals], final=False)
        moves.write({"fruit_invoicing": MOVE_KIND[self.mode]})
        for move in moves:
            move.message_post_with_source(
                "mail.message_origin_link",
                render_values={"self": move, "origin": order},
                subtype_xmlid="mail.mt_note",
            )
        return order.action_view_invoice(invoices=moves)


class FruitPartialInvoiceLine(models.TransientModel):
    _name = "fruit.partial.invoice.line"
    _description = "Invoice Part of a Sales Order: Line"

    wizard_id = fields.Many2one("fruit.partial.invoice", required=True, ondelete="cascade")
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", required=True)
    product_id = fields.Many2one(related="sale_line_id.product_id")
    product_uom = fields.Many2one(related="sale_line_id.product_uom", string="Unit")
    ordered = fields.Float(related="sale_line_id.product_uom_qty", string="Ordered")
    delivered = fields.Float(related="sale_line_id.qty_delivered", string="Delivered")
    invoiced = fields.Float(related="sale_line_id.qty_invoiced", string="Invoiced")
    price_unit = fields.Float(related="sale_line_id.price_unit")
    available = fields.Float(
        digits="Product Unit of Measure",
        help="What may still be invoiced in this mode.",
    )
    quantity = fields.Float(string="To Invoice", digits="Product Unit of Measure")

    def _engine_line(self, quantity):
        """The line as the splitting engine sees it, or None for taxes it cannot reproduce."""
        sale_line = self.sale_line_id
        taxes = sale_line.tax_id
        if any(t.amount_type != "percent" or t.price_include for t in taxes):
            return None
        rate = sum((money.D(t.amount) for t in taxes), Decimal("0")) / 100
        price = money.D(sale_line.price_unit) * (1 - money.D(sale_line.discount) / 100)
        return Line(
            key=self.id,
            customer=sale_line.order_id.partner_id.id,
            quantity=money.D(quantity),
            price=price,
            rate=rate,
            sequence=sale_line.sequence,
            name=sale_line.display_name,
        )
