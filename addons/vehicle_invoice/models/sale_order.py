from odoo import Command, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _create_account_invoices(self, invoice_vals_list, final):
        """A vehicle line for n cars becomes n invoice lines of one car, each with its VIN
        (from the deliveries not invoiced yet; empty when invoiced before delivery)."""
        for vals in invoice_vals_list:
            commands = []
            for command in vals.get("invoice_line_ids") or []:
                line_vals = command[2] if command[0] == Command.CREATE else {}
                sale_line_ids = [
                    c[1] for c in line_vals.get("sale_line_ids", []) if c[0] == Command.LINK
                ]
                sale_line = self.env["sale.order.line"].browse(sale_line_ids[:1])
                quantity = line_vals.get("quantity") or 0
                if not (sale_line.product_id.vehicle_ok and quantity == int(quantity) > 0):
                    commands.append(command)
                    continue
                vins = sale_line._vehicle_vins_to_invoice()
                for index in range(int(quantity)):
                    one = dict(line_vals, quantity=1)
                    if index < len(vins):
                        one["vehicle_lot_id"] = vins[index].id
                    commands.append(Command.create(one))
            vals["invoice_line_ids"] = commands
        return super()._create_account_invoices(invoice_vals_list, final)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _vehicle_vins_to_invoice(self):
        """Delivered VINs of this line that no invoice line carries yet, in delivery order."""
        self.ensure_one()
        delivered = self.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        ).move_line_ids.lot_id
        invoiced = self.invoice_lines.filtered(
            lambda ln: ln.move_id.state != "cancel"
        ).vehicle_lot_id
        return (delivered - invoiced).sorted(lambda lot: (lot.create_date, lot.id))
