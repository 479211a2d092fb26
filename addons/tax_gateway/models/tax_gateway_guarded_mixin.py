"""Configuration that changes only after Odoo's identity check.

Odoo's ``check_identity`` guards *buttons*: the password is asked again unless it was given in the
last 10 minutes (``identity-check-last`` in the session). A form's Save is not a button, so the
models here refuse, from the web client, any change of their guarded fields unless that check is
recent; an *Unlock Configuration* button (itself behind ``check_identity``) renews it. Server code
(crons, jobs, shell, install) runs without a request and is not asked.
"""

import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.base.models.res_users import check_identity

IDENTITY_WINDOW = 10 * 60  # seconds, as in odoo.addons.base.models.res_users.check_identity


def identity_recently_checked():
    if not request:
        return True
    return request.session.get("identity-check-last", 0) > time.time() - IDENTITY_WINDOW


def second_factor(method):
    """Marks a button behind ``check_identity`` (put this decorator above it) whose identity
    check also asks for the authenticator code (二次验证) when the company requires a second
    factor; the method itself calls ``check_second_factor`` so that no path skips it."""
    method._fapiao_second_factor = True
    return method


def check_second_factor(env, companies):
    """Refuse an issuer or a manager without two-factor authentication (auth_totp) when one of
    ``companies`` requires it. Internal code (superuser) is not asked."""
    if env.su or not env.user.has_group("tax_gateway.group_fapiao_issuer"):
        return
    if env.user.totp_enabled:
        return
    if any(company._fapiao_second_factor_required() for company in companies):
        raise UserError(
            _(
                "Your company requires two-factor authentication (二次验证) for issuers and "
                "managers: turn it on in My Profile ‣ Account Security, then try again."
            )
        )


def refuse_without_identity(env):
    if not identity_recently_checked():
        raise UserError(
            _(
                "Changing the fapiao configuration needs your password: click “Unlock "
                "Configuration”, confirm your password, then save within 10 minutes."
            )
        )


class TaxGatewayGuardedMixin(models.AbstractModel):
    _name = "tax.gateway.guarded.mixin"
    _description = "Fapiao Configuration Behind the Identity Check"
    # fields whose change from the web client needs a recent identity check; None: all stored
    # fields that are not in _unguarded_fields
    _guarded_fields = None
    _unguarded_fields = ()

    config_unlocked = fields.Boolean(
        compute="_compute_config_unlocked",
        help="The password was confirmed in the last 10 minutes: the configuration can change.",
    )

    def _compute_config_unlocked(self):
        unlocked = identity_recently_checked()
        for record in self:
            record.config_unlocked = unlocked

    def _guarded_field_names(self):
        if self._guarded_fields is not None:
            return set(self._guarded_fields)
        magic = set(models.MAGIC_COLUMNS) | {"display_name", "config_unlocked"}
        return {
            name
            for name, field in self._fields.items()
            if field.store and name not in magic and name not in self._unguarded_fields
        }

    def _check_guarded(self, vals_list):
        guarded = self._guarded_field_names()
        if any(guarded & set(vals) for vals in vals_list):
            refuse_without_identity(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_guarded(vals_list)
        records = super().create(vals_list)
        for record, vals in zip(records, vals_list, strict=True):
            record._audit_config("config_create", vals)
        return records

    def write(self, vals):
        self._check_guarded([vals])
        res = super().write(vals)
        for record in self:
            record._audit_config("config_change", vals)
        return res

    def unlink(self):
        refuse_without_identity(self.env)
        for record in self:
            record._audit_config("config_delete", {})
        return super().unlink()

    def _audit_config(self, action, vals):
        """Configuration changes go into the audit trail: which fields, never their values
        (secrets among them)."""
        changed = sorted(self._guarded_field_names() & set(vals))
        if changed or action == "config_delete":
            self.env["tax.gateway.audit"]._append(
                self, action, detail=f"{self.display_name}: {', '.join(changed)}"[:250]
            )

    @check_identity
    def action_unlock_config(self):
        """The password is confirmed: the form reloads with its configuration editable."""
        return {"type": "ir.actions.client", "tag": "soft_reload"}
