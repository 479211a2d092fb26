from fapiao_core import FapiaoError, money, states
from fapiao_core.validators import validate_tax_id
from fapiao_core.vehicle import strategies

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# blue fapiao that no longer count against what was sold


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    vehicle_lot_id = fields.Many2one(
        "stock.lot",
        string="VIN",
        copy=False,
        index="btree_not_null",
        domain="[('product_id', '=', product_id)]",
        help="The vehicle this line sells: one line, one vehicle, one motor-vehicle fapiao.",
    )

    def _vehicle_reference_price(self):
        """Stand-alone price of the line, tax included, for strategies that spread a bundle:
        the VIN's guide price for a vehicle, the product's sales price otherwise (0: none)."""
        self.ensure_one()
        if self.vehicle_lot_id.guide_price:
            return money.D(self.vehicle_lot_id.guide_price)
        price = money.D(self.product_id.lst_price) * money.D(self.quantity)
        if not price:
            return money.D("0")
        taxes = self.tax_ids.compute_all(
            float(price), currency=self.currency_id, product=self.product_id
        )
        return money.cents(taxes["total_included"])


class AccountMove(models.Model):
    _inherit = "account.move"

    # read by the invoice form of every billing user (fapiao rights or not): computed as
    # superuser, it tells only whether the invoice's own deal was undone
    vehicle_deal_undone = fields.Boolean(
        compute="_compute_vehicle_deal_undone",
        compute_sudo=True,
        help="A part of this deal was refused for good by the platform: the rest was undone "
        "(drafts, red letters) and the deal can be prepared again once the cause is fixed.",
    )

    @api.depends("fapiao_ids.state", "fapiao_ids.error_retryable")
    def _compute_vehicle_deal_undone(self):
        for move in self:
            blue = move.fapiao_ids.filtered(lambda f: f.direction == "blue")
            move.vehicle_deal_undone = bool(blue.filtered("vehicle_lot_id")) and any(
                f.state == "failed" and not f.error_retryable for f in blue
            )

    def action_vehicle_prepare_again(self):
        """After a deal was undone: once every issued part is reversed, cancel the leftover
        drafts and the refused part and prepare the whole deal again, validated together."""
        self.ensure_one()
        if not self.vehicle_deal_undone:
            raise UserError(_("Invoice %s has no undone deal to prepare again.", self.name))
        blue = self.fapiao_ids.filtered(lambda f: f.direction == "blue")
        waiting = blue.filtered(lambda f: f.state in (*states.IN_FLIGHT, *states.REVERSIBLE))
        if waiting:
            raise UserError(
                _(
                    "Fapiao %s of this deal are not reversed yet (their red letters are with "
                    "the bureau, or they are still with the platform): the deal is prepared "
                    "again once nothing of it is left issued.",
                    ", ".join(waiting.mapped("display_name")),
                )
            )
        blue.filtered(lambda f: f.state in states.EDITABLE).action_cancel()
        self.message_post(body=_("The deal is prepared again after its parts were undone."))
        return self.action_prepare_fapiao()

    def _fapiao_split_values(self):
        lines = self._fapiao_product_lines()
        if any(line.product_id.vehicle_ok for line in lines):
            values = self._vehicle_split_values(lines)
        else:
            values = super()._fapiao_split_values()
        self._vehicle_check_sold(values)
        return values

    def _vehicle_split_values(self, lines):
        self._vehicle_check_lines(lines)
        items = [
            strategies.Item(
                key=line.id,
                role=line.product_id.product_tmpl_id._vehicle_role(),
                category=line.product_id.categ_id.complete_name or "",
                sequence=line.sequence,
                total=money.cents(line.price_total),
                reference=line._vehicle_reference_price(),
                rate=money.D(
                    sum(
                        line.tax_ids.filtered(lambda t: t.amount_type == "percent").mapped("amount")
                    )
                )
                / 100,
            )
            for line in lines
        ]
        try:
            groups = strategies.split(items, self.company_id.vehicle_split_strategy)
        except strategies.StrategyError as err:
            if err.code == "no_reference":
                raise UserError(
                    _(
                        "Line %s has neither a price nor a stand-alone price (guide price of "
                        "the vehicle, sales price of the product): the bundle cannot be spread "
                        "over it.",
                        lines.browse(err.params["key"]).display_name,
                    )
                ) from err
            raise UserError(
                _(
                    "Split strategy %(strategy)s failed (%(code)s).",
                    strategy=err.params.get("strategy"),
                    code=err.code,
                )
            ) from err
        Fapiao = self.env["tax.fapiao"]
        values = []
        for group in groups:
            group_lines = lines.browse(group.keys)
            if group.role == "vehicle":
                vals = self._vehicle_fapiao_values(group_lines)
            else:
                vals = Fapiao._prepare_from_move(self, lines=group_lines)
            if group.totals is not None:
                self._vehicle_apply_totals(vals, dict(zip(group.keys, group.totals, strict=False)))
            values.append(vals)
        return values

    @api.model
    def _vehicle_apply_totals(self, vals, totals):
        """Give the fapiao lines the tax-included totals a strategy allocated (by_ratio):
        amount = total / (1 + rate) to the cent, tax = the rest, unit price follows."""
        for command in vals["line_ids"]:
            line = command[2]
            total = totals[line["move_line_id"]]
            rate = money.D(line["tax_rate"])
            amount = money.cents(total / (1 + rate))
            quantity = money.D(line["quantity"])
            line.update(
                amount=float(amount),
                tax_amount=float(total - amount),
                unit_price=float((amount / quantity).quantize(money.D("0.00000001")))
                if quantity
                else 0.0,
            )
        if vals.get("vehicle_lot_id"):
            # the contract's price of this car is its share of the bundle
            vals["vehicle_sold_total"] = float(sum(totals.values()))

    def _vehicle_check_lines(self, lines):
        for line in lines.filtered(lambda ln: ln.product_id.vehicle_ok):
            if line.quantity != 1:
                raise UserError(
                    _(
                        "Line %(line)s sells %(qty)s vehicles: one vehicle per line, one VIN, "
                        "one motor-vehicle fapiao. Split the line.",
                        line=line.display_name,
                        qty=line.quantity,
                    )
                )
            lot = line.vehicle_lot_id
            if not lot or lot.product_id != line.product_id:
                raise UserError(_("Line %s: set the VIN of the vehicle sold.", line.display_name))
            taken = self.env["tax.fapiao"].search_count(
                [
                    ("vehicle_lot_id", "=", lot.id),
                    ("direction", "=", "blue"),
                    ("state", "not in", states.DEAD),
                ]
            )
            if taken:
                raise UserError(
                    _(
                        "VIN %s is already invoiced: a vehicle is invoiced once, until its "
                        "fapiao is fully reversed.",
                        lot.name,
                    )
                )

    def _vehicle_fapiao_values(self, line):
        partner = self.commercial_partner_id
        buyer = partner._fapiao_buyer_values()
        if not buyer["buyer_tax_id"]:
            raise UserError(
                _(
                    "Buyer %s has no ID: a motor-vehicle fapiao needs the USCC of a company or "
                    "the resident ID of a person (a passport or permit for a foreigner).",
                    partner.display_name,
                )
            )
        try:
            validate_tax_id(
                buyer["buyer_tax_id"],
                natural_person=buyer["buyer_natural_person"],
                id_type=buyer["buyer_id_type"],
            )
        except FapiaoError as err:
            raise UserError(
                _(
                    "Buyer %(buyer)s: invalid ID (%(code)s).",
                    buyer=partner.display_name,
                    code=err.code,
                )
            ) from err
        business = not buyer["buyer_natural_person"] and partner.fapiao_kind == "81"
        kind = "81" if business else "83"
        values = self.env["tax.fapiao"]._prepare_from_move(self, kind=kind, lines=line)
        lot = line.vehicle_lot_id
        sale_line = line.sale_line_ids[:1]
        sold = (
            money.D(sale_line.price_total) / money.D(sale_line.product_uom_qty)
            if sale_line and sale_line.product_uom_qty
            else money.D(line.price_total)
        )
        values.update(
            {
                "vehicle_lot_id": lot.id,
                "vehicle_sold_total": float(money.cents(sold)),
                "remark": _("一车一票 VIN %s", lot.name) if business else False,
            }
        )
        values["line_ids"][0][2]["spec"] = lot.vehicle_model or values["line_ids"][0][2].get("spec")
        return values

    def _vehicle_check_sold(self, values):
        """Never more invoiced than sold, for the orders this invoice bills, with the orders
        written first (see below). Fapiao are attributed to orders line by line, through the
        sales order lines of their invoice lines (a red line through the blue line it
        reverses): an invoice may bill several orders, and an order be billed by several
        invoices (fruit_invoice splits them by batch)."""
        linked = self.invoice_line_ids.filtered("sale_line_ids")
        orders = linked.sale_line_ids.order_id
        if not orders:
            return
        # Concurrent clerks queue here. A row lock alone is not enough: under REPEATABLE READ
        # the sums below come from the transaction's snapshot, which may predate the fapiao
        # another clerk has just committed. Writing the rows makes PostgreSQL refuse the later
        # transaction (serialization failure) instead; Odoo retries the request, and the retry
        # sees the other fapiao.
        self.env.cr.execute(
            "UPDATE sale_order SET write_date = write_date WHERE id IN %s", [tuple(orders.ids)]
        )
        new = sum(
            (
                money.D(cmd[2]["amount"]) + money.D(cmd[2]["tax_amount"])
                for vals in values
                for cmd in vals["line_ids"]
                if cmd[2].get("move_line_id") in linked.ids
            ),
            money.D("0.00"),
        )
        self.env.flush_all()
        # blue lines of fapiao not cancelled or voided, net of issued red lines
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(total), 0) FROM (
                SELECT DISTINCT fl.id, fl.amount + fl.tax_amount AS total
                  FROM tax_fapiao_line fl
                  JOIN tax_fapiao f ON f.id = fl.fapiao_id
                  LEFT JOIN tax_fapiao_line blue ON blue.id = fl.origin_line_id
                  JOIN sale_order_line_invoice_rel rel
                    ON rel.invoice_line_id = COALESCE(blue.move_line_id, fl.move_line_id)
                  JOIN sale_order_line sol ON sol.id = rel.order_line_id
                 WHERE sol.order_id IN %s
                   AND ((f.direction = 'blue' AND f.state NOT IN ('cancelled', 'voided'))
                        OR (f.direction = 'red' AND f.state = 'issued'))
            ) lines
            """,
            [tuple(orders.ids)],
        )
        invoiced = money.cents(self.env.cr.fetchone()[0])
        new = money.cents(new)
        sold = sum((money.D(o.amount_total) for o in orders), money.D("0.00"))
        if invoiced + new > sold + money.INVOICE_TOLERANCE:
            raise UserError(
                _(
                    "Orders %(orders)s sold %(sold)s; with these fapiao %(total)s would be "
                    "invoiced: never more invoiced than sold.",
                    orders=", ".join(orders.mapped("name")),
                    sold=money.plain(sold),
                    total=money.plain(invoiced + new),
                )
            )
