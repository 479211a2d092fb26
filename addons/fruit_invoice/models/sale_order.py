import copy
import datetime
from decimal import Decimal

from fapiao_core import money
from fapiao_core.fruit.partial import cover
from fapiao_core.fruit.splitting import Line, Policy, SplitError, split

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from odoo.addons.tax_gateway.models.tax_classification import EXEMPT_FLAGS


def _dec(value):
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value or 0)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _create_account_invoices(self, invoice_vals_list, final):
        """Split what sale prepared (one invoice per customer) by batch, tax treatment,
        face-value limit and number of lines, then record the batch."""
        companies = self.company_id
        if len(companies) != 1 or not companies.fruit_split_invoices:
            return super()._create_account_invoices(invoice_vals_list, final)
        expected = Decimal("0.00")
        split_vals = []
        for vals in invoice_vals_list:
            pieces, total = self._fruit_split_vals(vals, companies)
            split_vals += pieces
            expected += total
        moves = super()._create_account_invoices(split_vals, final)
        got = sum((_dec(m.amount_total) for m in moves), Decimal("0.00"))
        if expected and got != expected:
            # e.g. taxes rounded globally per invoice: splitting would change the total
            raise UserError(
                _(
                    "Splitting would change the invoiced total from %(expected)s to %(got)s: "
                    "nothing was invoiced. Use per-line tax rounding for split invoices.",
                    expected=expected,
                    got=got,
                )
            )
        self.env["fruit.invoice.batch"].create(
            {
                "name": self.env["ir.sequence"].next_by_code("fruit.invoice.batch") or "/",
                "company_id": companies.id,
                "order_ids": [Command.set(self.ids)],
                "move_ids": [Command.set(moves.ids)],
                "lot_ids": [Command.set(moves.invoice_line_ids.fruit_lot_ids.ids)],
                "line_count": len(moves.invoice_line_ids.sale_line_ids),
                "amount_total": float(got),
            }
        )
        return moves

    def _fruit_split_vals(self, vals, company):
        """Invoice values for each split of ``vals``, and the total they must add up to."""
        commands = vals.get("invoice_line_ids") or []
        product, other = [], []
        for command in commands:
            line_vals = command[2] if command[0] == Command.CREATE else {}
            if line_vals.get("display_type", "product") == "product" and line_vals.get(
                "sale_line_ids"
            ):
                product.append(line_vals)
            else:
                other.append(command)
        sale_lines = self.env["sale.order.line"].browse(
            [cmd[1] for lv in product for cmd in lv["sale_line_ids"] if cmd[0] == Command.LINK]
        )
        if not product or any(sl.is_downpayment for sl in sale_lines):
            return [vals], Decimal("0.00")
        engine_lines, by_key = [], {}
        for line_vals in product:
            sale_line = self.env["sale.order.line"].browse(
                next(c[1] for c in line_vals["sale_line_ids"] if c[0] == Command.LINK)
            )
            engine_line = self._fruit_engine_line(sale_line, line_vals, vals)
            if engine_line is None:
                return [vals], Decimal("0.00")  # a tax the engine cannot reproduce: no split
            engine_lines.append(engine_line)
            by_key[sale_line.id] = line_vals
        policy = Policy(
            limit=_dec(company.fruit_face_value_limit) or None,
            limit_includes_tax=company.fruit_limit_includes_tax,
            max_lines=company.fruit_max_lines or None,
            by_lot=company.fruit_split_by_lot,
        )
        try:
            invoices = split(engine_lines, policy)
        except SplitError as err:
            raise self._fruit_split_error(err) from err
        pieces = []
        for index, invoice in enumerate(invoices):
            piece = copy.deepcopy({k: v for k, v in vals.items() if k != "invoice_line_ids"})
            piece["invoice_line_ids"] = list(other) if index == 0 else []
            for part in invoice.parts:
                line_vals = dict(by_key[part.line.key])
                line_vals["quantity"] = float(part.quantity)
                line_vals["fruit_lot_ids"] = [Command.set([lot.id for lot in part.lots])]
                piece["invoice_line_ids"].append(Command.create(line_vals))
            pieces.append(piece)
        total = sum((inv.total for inv in invoices), Decimal("0.00"))
        return pieces, total

    def _fruit_engine_line(self, sale_line, line_vals, vals):
        taxes = self.env["account.tax"].browse(
            [t for cmd in line_vals.get("tax_ids", []) for t in (cmd[2] if cmd[0] == 6 else [])]
        )
        if any(t.amount_type != "percent" or t.price_include for t in taxes):
            return None
        rate = sum((_dec(t.amount) for t in taxes), Decimal("0")) / 100
        price = _dec(line_vals.get("price_unit")) * (1 - _dec(line_vals.get("discount")) / 100)
        quantity = _dec(line_vals.get("quantity"))
        code = sale_line.product_id.product_tmpl_id._get_tax_classification()
        exempt = not rate or (code and code.policy_flag in EXEMPT_FLAGS)
        # pre-invoiced goods have not left yet: their batches are known when they do
        lots = (
            () if line_vals.get("fruit_preinvoice") else sale_line._fruit_lots_to_invoice(quantity)
        )
        return Line(
            key=sale_line.id,
            customer=vals.get("partner_id"),
            quantity=quantity,
            price=price,
            rate=rate,
            exempt=bool(exempt),
            lots=tuple(lots),
            sequence=line_vals.get("sequence") or 0,
            name=sale_line.display_name,
        )

    def _fruit_split_error(self, err):
        params = err.params
        messages = {
            "line_over_limit": _(
                "%(line)s alone is %(amount)s, above the face-value limit of %(limit)s: "
                "a line is never cut by amount. Split the order line or raise the limit.",
                line=params.get("line"),
                amount=params.get("amount"),
                limit=params.get("limit"),
            ),
            "lots_short": _(
                "%(line)s invoices %(quantity)s but its batches only delivered %(lots)s.",
                line=params.get("line"),
                quantity=params.get("quantity"),
                lots=params.get("lots"),
            ),
        }
        return UserError(
            messages.get(err.code)
            or _("The invoices would not add up to the order (%s): nothing was invoiced.", err)
        )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    fruit_qty_preinvoiced = fields.Float(
        string="Pre-invoiced",
        compute="_compute_fruit_qty_preinvoiced",
        store=True,
        digits="Product Unit of Measure",
        help="Quantity invoiced before delivery (预开票), net of credit notes.",
    )
    fruit_qty_preinvoiced_to_deliver = fields.Float(
        string="Pre-invoiced, to Deliver",
        compute="_compute_fruit_qty_preinvoiced",
        store=True,
        digits="Product Unit of Measure",
        help="Goods invoiced before delivery that have not left the warehouse yet.",
    )

    @api.depends(
        "invoice_lines.move_id.state",
        "invoice_lines.quantity",
        "invoice_lines.fruit_preinvoice",
        "qty_delivered",
    )
    def _compute_fruit_qty_preinvoiced(self):
        for line in self:
            quantity = 0.0
            for invoice_line in line.invoice_lines.filtered("fruit_preinvoice"):
                move = invoice_line.move_id
                if move.state == "cancel":
                    continue
                qty = invoice_line.product_uom_id._compute_quantity(
                    invoice_line.quantity, line.product_uom
                )
                quantity += qty if move.move_type == "out_invoice" else -qty
            line.fruit_qty_preinvoiced = quantity
            line.fruit_qty_preinvoiced_to_deliver = max(quantity - line.qty_delivered, 0.0)

    @api.depends("fruit_qty_preinvoiced")
    def _compute_qty_to_invoice(self):
        """Goods pre-invoiced count as delivered until more than them has left: what is left to
        invoice is max(delivered, pre-invoiced) − invoiced, never a credit for goods that are
        simply not delivered yet."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            if (
                line.state == "sale"
                and not line.display_type
                and line.fruit_qty_preinvoiced > 0
                and line.product_id.invoice_policy != "order"
            ):
                line.qty_to_invoice = (
                    max(line.qty_delivered, line.fruit_qty_preinvoiced) - line.qty_invoiced
                )
        return res

    def _fruit_qty_preinvoiceable(self):
        """What may still be invoiced before delivery: ordered, not delivered, not invoiced."""
        self.ensure_one()
        return max(
            min(
                self.product_uom_qty - max(self.qty_delivered, self.fruit_qty_preinvoiced),
                self.product_uom_qty - self.qty_invoiced,
            ),
            0.0,
        )

    def _fruit_delivered_lots(self):
        """[(lot, quantity), ...] delivered to the customer net of returns, oldest batch first,
        in the line's unit; goods without a batch under an empty lot."""
        self.ensure_one()
        delivered = {}
        for move in self.move_ids.filtered(lambda m: m.state == "done"):
            sign = 1 if move.location_dest_id.usage == "customer" else -1
            for move_line in move.move_line_ids:
                qty = move_line.product_uom_id._compute_quantity(
                    move_line.quantity, self.product_uom
                )
                delivered[move_line.lot_id] = delivered.get(move_line.lot_id, 0) + sign * qty
        return [
            (lot, delivered[lot])
            for lot in sorted(
                delivered, key=lambda lot: (lot.create_date or datetime.datetime.min, lot.id or 0)
            )
        ]

    def _fruit_lots_to_invoice(self, quantity):
        """((lot, quantity), ...) of this line's deliveries not invoiced yet, first in first
        out, in the line's unit. A lot-tracked product invoices only delivered batches."""
        self.ensure_one()
        invoiced = sum(
            ln.quantity * (-1 if ln.move_id.move_type == "out_refund" else 1)
            for ln in self.invoice_lines.filtered(lambda ln: ln.move_id.state != "cancel")
        )
        lots = []
        for lot, qty in self._fruit_delivered_lots():
            if not lot:
                continue
            left = _dec(round(qty, 6))
            skip = min(left, _dec(round(invoiced, 6)))
            invoiced -= float(skip)
            if left - skip > 0:
                lots.append((lot, left - skip))
        if self.product_id.tracking == "lot" and sum(q for _lot, q in lots) < quantity:
            raise UserError(
                _(
                    "%(line)s: %(quantity)s to invoice but only %(lots)s delivered with a batch "
                    "number. Deliver the goods with their batch before invoicing.",
                    line=self.display_name,
                    quantity=quantity,
                    lots=sum(q for _lot, q in lots),
                )
            )
        return lots

    def _fruit_cover_preinvoices(self):
        """Goods left (or came back): match what was delivered with what was invoiced, first
        in first out, and write on each pre-invoiced line how much of it has left and from
        which batches. Returns {invoice: [message, ...]} for what changed."""
        changed = {}
        for sale_line in self.filtered(lambda ln: ln.fruit_qty_preinvoiced > 0):
            invoice_lines = sale_line.invoice_lines.filtered(
                lambda ln: ln.move_id.state != "cancel"
            )
            credited = {}
            for credit in invoice_lines.filtered(
                lambda ln: ln.move_id.move_type == "out_refund" and ln.fapiao_origin_line_id
            ):
                credited[credit.fapiao_origin_line_id] = (
                    credited.get(credit.fapiao_origin_line_id, 0) + credit.quantity
                )
            claims = [
                (ln, _dec(round(ln.quantity - credited.get(ln, 0), 6)))
                for ln in invoice_lines.filtered(
                    lambda ln: ln.move_id.move_type == "out_invoice"
                ).sorted("id")
            ]
            deliveries = [
                (lot, _dec(round(qty, 6))) for lot, qty in sale_line._fruit_delivered_lots()
            ]
            for invoice_line, (covered, lots) in cover(deliveries, claims).items():
                if not invoice_line.fruit_preinvoice:
                    continue
                rounding = invoice_line.product_uom_id.rounding or 0.001
                if not float_compare(
                    float(covered),
                    invoice_line.fruit_preinvoice_delivered,
                    precision_rounding=rounding,
                ):
                    continue
                invoice_line.write(
                    {
                        "fruit_preinvoice_delivered": float(covered),
                        "fruit_lot_ids": [Command.set([lot.id for lot, _q in lots if lot])],
                    }
                )
                changed.setdefault(invoice_line.move_id, []).append(
                    _(
                        "%(product)s: %(covered)s of %(quantity)s %(unit)s delivered%(lots)s.",
                        product=invoice_line.product_id.display_name,
                        covered=money.plain(covered),
                        quantity=money.plain(_dec(invoice_line.quantity)),
                        unit=invoice_line.product_uom_id.name,
                        lots=(
                            " (" + ", ".join(lot.name for lot, _q in lots if lot) + ")"
                            if any(lot for lot, _q in lots)
                            else ""
                        ),
                    )
                )
        return changed
