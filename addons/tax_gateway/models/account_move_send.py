"""开具数电票 in Odoo's Send & Print (the way Odoo 18's e-invoicing modules hook
account.move.send): the option prepares, checks and submits the invoice's fapiao; the customer's
email then waits until they are issued, and carries their PDF."""

from odoo import _, api, models
from odoo.exceptions import UserError

EDI_KEY = "cn_fapiao"


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _is_cn_fapiao_applicable(self, move):
        """A posted customer invoice of a Chinese company, to a Chinese customer (or one of
        no country), whose fapiao are not issued yet, sent by a Fapiao Issuer."""
        return (
            move.move_type == "out_invoice"
            and move.state == "posted"
            and move.company_id.account_fiscal_country_id.code == "CN"
            and (move.commercial_partner_id.country_id.code or "CN") == "CN"
            and move.fapiao_state in ("none", "draft", "failed")
            and self.env.user.has_group("tax_gateway.group_fapiao_issuer")
        )

    def _get_all_extra_edis(self):
        # EXTENDS 'account'
        res = super()._get_all_extra_edis()
        res[EDI_KEY] = {
            "label": _("Issue Fapiao (开具数电票)"),
            "is_applicable": self._is_cn_fapiao_applicable,
        }
        return res

    @api.model
    def _get_invoice_extra_attachments(self, move):
        # EXTENDS 'account': the issued fapiao's PDF goes with the invoice
        return super()._get_invoice_extra_attachments(move) + move._fapiao_pdf_attachments()

    @api.model
    def _generate_and_send_invoices(
        self,
        moves,
        from_cron=False,
        allow_raising=True,
        allow_fallback_pdf=False,
        **custom_settings,
    ):
        # EXTENDS 'account': the invoices whose fapiao are asked for are issued first; their
        # email goes once the fapiao are issued (account.move._fapiao_send_when_issued)
        waiting = self.env["account.move"]
        for move in moves:
            author = self.env.user
            if "extra_edis" in custom_settings:
                wanted = EDI_KEY in (custom_settings["extra_edis"] or ())
            elif from_cron and move.sending_data and move.sending_data.get("author_user_id"):
                # the batch's cron runs as the system: the user who sent the batch issues
                author = self.env["res.users"].browse(move.sending_data["author_user_id"])
                wanted = self.with_user(author)._is_cn_fapiao_applicable(move)
            else:
                wanted = EDI_KEY in self._get_default_extra_edis(move)
            if not wanted:
                continue
            try:
                with self.env.cr.savepoint():
                    if move.with_user(author)._fapiao_issue_for_sending():
                        waiting |= move
            except UserError as err:
                if allow_raising and not from_cron:
                    raise
                move.message_post(body=_("The fapiao was not issued: %s", err))
                if from_cron:
                    move.sending_data = {"error": True}
                waiting |= move  # nothing is sent without its fapiao
        rest = moves - waiting
        if not rest:
            return self.env["ir.attachment"]
        return super()._generate_and_send_invoices(
            rest,
            from_cron=from_cron,
            allow_raising=allow_raising,
            allow_fallback_pdf=allow_fallback_pdf,
            **custom_settings,
        )
