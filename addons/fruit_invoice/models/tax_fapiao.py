from fapiao_core import money

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.tax_gateway.models.tax_gateway_workflow import transition

WORKFLOW_FIELDS = {"fruit_approval_state", "fruit_approval_reason", "fruit_approved_by"}


class TaxFapiao(models.Model):
    _inherit = "tax.fapiao"

    fruit_approval_state = fields.Selection(
        [("to_approve", "Waiting for Finance"), ("approved", "Approved by Finance")],
        string="Finance Approval",
        readonly=True,
        copy=False,
        tracking=True,
        help="The fapiao of a customer invoiced on request, of an invoice for part of an order "
        "and of goods not delivered yet (预开票) is issued only once a Fapiao Manager has "
        "approved it.",
    )
    fruit_approval_reason = fields.Selection(
        [
            ("on_request", "Requested by the customer"),
            ("partial", "Invoice for part of an order"),
            ("preinvoice", "Goods not delivered yet (预开票)"),
        ],
        string="Approval Reason",
        readonly=True,
        copy=False,
    )
    fruit_approved_by = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False
    )

    def _workflow_fields(self):
        return super()._workflow_fields() | WORKFLOW_FIELDS

    @transition
    def _fruit_ask_approval(self, reason="on_request"):
        """Drafts that need finance (customer on request, partial or pre-invoice) wait for a
        Fapiao Manager, who is told."""
        waiting = self.filtered(
            lambda f: f.direction == "blue" and f.state == "draft" and not f.fruit_approval_state
        )
        waiting.write({"fruit_approval_state": "to_approve", "fruit_approval_reason": reason})
        for fapiao in waiting:
            fapiao.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Approve the fapiao"),
                note=_(
                    "%(reason)s: fapiao for %(customer)s (%(total)s). Approve it before it is "
                    "issued.",
                    reason=fapiao._fruit_reason_label(),
                    customer=fapiao.buyer_name,
                    total=money.plain(money.D(fapiao.amount_total)),
                ),
                user_id=fapiao._manager_user().id,
            )

    def _fruit_reason_label(self):
        return dict(self._fields["fruit_approval_reason"]._description_selection(self.env)).get(
            self.fruit_approval_reason, ""
        )

    @transition
    def action_fruit_approve(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager approves a fapiao waiting for finance."))
        for fapiao in self:
            if fapiao.fruit_approval_state != "to_approve":
                raise UserError(_("Fapiao %s is not waiting for approval.", fapiao.display_name))
        self.write({"fruit_approval_state": "approved", "fruit_approved_by": self.env.user.id})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=_("Approved"))
        for fapiao in self:
            fapiao._audit("fruit_approve")
        return True

    def _mark_issued(self, number, issue_date, **values):
        res = super()._mark_issued(number, issue_date, **values)
        if self.kind == "agri":
            # the input VAT credited on a farm purchase follows its purchase invoice: booked
            # when the blue one is issued, taken back in proportion when a red one is
            move = self.move_id
            if not move.fruit_input_vat_move_id:
                try:
                    with self.env.cr.savepoint():
                        move._fruit_book_farm_credit(self)
                except UserError as err:
                    # the bureau issued it: the credit waits for the accountant, never the fapiao
                    self.message_post(body=_("Input VAT not booked: %s", err.args[0]))
        return res

    def _check_before_issue(self, **kwargs):
        res = super()._check_before_issue(**kwargs)
        if self.fruit_approval_state == "to_approve":
            raise UserError(
                _(
                    "Fapiao %(fapiao)s waits for a Fapiao Manager's approval before it can be "
                    "issued (%(reason)s).",
                    fapiao=self.display_name,
                    reason=self._fruit_reason_label(),
                )
            )
        return res
