from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        returns = self.filtered(
            lambda p: p.return_id
            and p.location_id.usage == "customer"
            and p.company_id.fruit_red_letter_on_return
        )
        for picking in returns:
            picking._fruit_red_letters_for_return()
        self._fruit_reconcile_preinvoices()
        return res

    def _fruit_reconcile_preinvoices(self):
        """Goods invoiced before delivery (预开票) left or came back: the pre-invoiced lines
        learn how much has left and from which batches, and their invoices say so."""
        sale_lines = self.move_ids.filtered(lambda m: m.state == "done").sale_line_id
        for invoice, messages in sale_lines._fruit_cover_preinvoices().items():
            invoice.message_post(
                body=Markup("%s<ul>%s</ul>")
                % (
                    _("Pre-invoiced goods, deliveries %s:", ", ".join(self.mapped("name"))),
                    Markup().join(Markup("<li>%s</li>") % message for message in messages),
                )
            )

    def _fruit_returned_quantities(self):
        """{(sale line, lot): quantity returned, in the sale line's unit}."""
        returned = defaultdict(float)
        for move in self.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id):
            for move_line in move.move_line_ids:
                returned[(move.sale_line_id, move_line.lot_id)] += (
                    move_line.product_uom_id._compute_quantity(
                        move_line.quantity, move.sale_line_id.product_uom
                    )
                )
        return returned

    def _fruit_red_letters_for_return(self):
        """Goods came back: credit note for exactly what came back, per invoice, its red letter
        (销货退回) sent to the bureau; the credit note posts itself once the red fapiao is issued.
        A return that cannot be reversed (nothing issued, nothing left) is reported on the
        picking for the fapiao managers; the goods movement itself stands."""
        self.ensure_one()
        by_invoice = defaultdict(dict)
        for (sale_line, lot), quantity in self._fruit_returned_quantities().items():
            lines = sale_line.invoice_lines.filtered(
                lambda ln, lot=lot: ln.move_id.move_type == "out_invoice"
                and ln.move_id.state == "posted"
                and ln.move_id._has_locked_fapiao()
                and (not lot or lot in ln.fruit_lot_ids)
            ).sorted("id")
            for line in lines:
                if quantity <= 0:
                    break
                take = min(quantity, line.quantity)
                by_invoice[line.move_id][line.id] = by_invoice[line.move_id].get(line.id, 0) + take
                quantity -= take
        for invoice, quantities in by_invoice.items():
            try:
                with self.env.cr.savepoint():
                    forms = self._fruit_credit_note(invoice, quantities)
            except UserError as err:
                self._fruit_report(invoice, str(err))
                continue
            self.message_post(
                body=_(
                    "Return of %(invoice)s: credit note %(credit)s and red letter sent to the "
                    "bureau.",
                    invoice=invoice.name,
                    credit=forms.move_id.display_name,
                )
            )

    def _fruit_credit_note(self, invoice, quantities):
        credit = invoice._reverse_moves(
            [{"ref": _("Return %s", self.name), "date": fields.Date.context_today(self)}]
        )
        commands = []
        for line in credit._fapiao_product_lines():
            quantity = quantities.get(line.fapiao_origin_line_id.id)
            if quantity:
                commands.append(Command.update(line.id, {"quantity": quantity}))
            else:
                commands.append(Command.delete(line.id))
        credit.write({"invoice_line_ids": commands})
        forms = credit.with_context(fapiao_red_reason="02")._create_red_forms()
        # authorised once and for all by the Fapiao Manager who switched on
        # "Red Letters on Returns": the warehouse clerk validating the return is not one
        forms._send()
        return forms

    def _fruit_report(self, invoice, message):
        body = _(
            "Return of %(invoice)s: no red letter (%(reason)s).",
            invoice=invoice.name,
            reason=message,
        )
        self.message_post(body=body)
        manager = invoice.fapiao_ids[:1]._manager_user()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Reverse the returned goods by hand"),
            note=body,
            user_id=manager.id,
        )
