import json
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, UserError


class ResUsersIdentitycheck(models.TransientModel):
    """Odoo's identity check, with the authenticator code (二次验证) for the fapiao actions
    marked ``second_factor`` when the company requires a second factor."""

    _inherit = "res.users.identitycheck"

    fapiao_totp_code = fields.Char(string="Authentication Code")
    fapiao_totp_needed = fields.Boolean(compute="_compute_fapiao_totp_needed")

    @api.depends("request")
    def _compute_fapiao_totp_needed(self):
        for wizard in self:
            wizard.fapiao_totp_needed = wizard._fapiao_needs_totp()

    def _fapiao_needs_totp(self):
        self.ensure_one()
        if not self.env.user.totp_enabled:
            return False  # the action itself refuses a user without it, when it is required
        # reason: the request behind the check is readable by nobody (NO_ACCESS)
        _ctx, model, ids, method, _args, _kwargs = json.loads(self.sudo().request or "[]")
        records = self.env[model].browse(ids)
        if not getattr(getattr(records, method, None), "_fapiao_second_factor", False):
            return False
        companies = records.mapped("company_id") if "company_id" in records._fields else None
        return any(c._fapiao_second_factor_required() for c in (companies or self.env.company))

    def _check_identity(self):
        super()._check_identity()
        if not self._fapiao_needs_totp():
            return
        code = re.sub(r"\s", "", self.fapiao_totp_code or "")
        self.fapiao_totp_code = False
        try:
            if not code.isdigit():
                raise AccessDenied()
            self.env.user._totp_check(int(code))
        except AccessDenied as err:
            raise UserError(
                _("The authentication code is not valid: enter the 6 digits your app shows now.")
            ) from err
