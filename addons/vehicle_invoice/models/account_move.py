from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.tax_gateway.tg_core import FapiaoError, money
from odoo.addons.tax_gateway.tg_core.validators import validate_tax_id

from ..vi_core import strategies

# blue fapiao that no longer count against what was sold
NOT_COUNTED = ("cancelled", "voided", "reversed")


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


class AccountMove(models.Model):
    _inherit = "account.move"

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
            )
            for line in lines
        ]
        try:
            groups = strategies.split(items, self.company_id.vehicle_split_strategy)
        except strategies.StrategyError as err:
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
                values.append(self._vehicle_fapiao_values(group_lines))
            else:
                values.append(Fapiao._prepare_from_move(self, lines=group_lines))
        return values

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
                    ("state", "not in", NOT_COUNTED),
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
                    "the resident ID of a person.",
                    partner.display_name,
                )
            )
        try:
            validate_tax_id(buyer["buyer_tax_id"], natural_person=buyer["buyer_natural_person"])
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
        """Never more invoiced than sold, per order, with the orders locked meanwhile."""
        orders = self.invoice_line_ids.sale_line_ids.order_id
        if not orders:
            return
        # concurrent clerks queue here: the sums below are read under the row locks
        self.env.cr.execute(
            "SELECT id FROM sale_order WHERE id IN %s FOR UPDATE", [tuple(orders.ids)]
        )
        new = sum(
            (
                money.cents(
                    sum(
                        money.D(cmd[2]["amount"]) + money.D(cmd[2]["tax_amount"])
                        for cmd in vals["line_ids"]
                    )
                )
                for vals in values
            ),
            money.D("0.00"),
        )
        existing = self.env["tax.fapiao"].search(
            [
                ("move_id", "in", orders.invoice_ids.ids),
                ("direction", "=", "blue"),
                ("state", "not in", NOT_COUNTED),
            ]
        )
        invoiced = sum(
            (money.D(f.amount_total) - money.D(f.amount_reversed) for f in existing),
            money.D("0.00"),
        )
        sold = sum((money.D(o.amount_total) for o in orders), money.D("0.00"))
        if invoiced + new > sold + money.D("0.01"):
            raise UserError(
                _(
                    "Orders %(orders)s sold %(sold)s; with these fapiao %(total)s would be "
                    "invoiced: never more invoiced than sold.",
                    orders=", ".join(orders.mapped("name")),
                    sold=money.plain(sold),
                    total=money.plain(invoiced + new),
                )
            )
