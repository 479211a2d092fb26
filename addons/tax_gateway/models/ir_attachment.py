from odoo import _, api, models
from odoo.exceptions import UserError


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _fapiao_archived(self):
        """Attachments of fapiao known to the bureau: kept 10 years, never changed."""
        fapiao_ids = {a.res_id for a in self if a.res_model == "tax.fapiao" and a.res_id}
        if not fapiao_ids:
            return self.browse()
        # reason: the check must see the fapiao whatever the user's own access to it
        fapiao = self.env["tax.fapiao"].sudo().browse(fapiao_ids).exists()
        archived = set(fapiao.filtered("number").ids)
        return self.filtered(lambda a: a.res_model == "tax.fapiao" and a.res_id in archived)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_archived_fapiao(self):
        if self._fapiao_archived():
            raise UserError(
                _(
                    "The documents of an issued fapiao are archived for 10 years "
                    "and cannot be deleted."
                )
            )

    def write(self, vals):
        if {"raw", "datas", "db_datas", "res_id", "res_model"} & set(
            vals
        ) and self._fapiao_archived():
            raise UserError(_("The documents of an issued fapiao cannot be changed."))
        return super().write(vals)
