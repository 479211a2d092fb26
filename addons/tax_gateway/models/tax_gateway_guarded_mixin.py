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
        return super().create(vals_list)

    def write(self, vals):
        self._check_guarded([vals])
        return super().write(vals)

    def unlink(self):
        refuse_without_identity(self.env)
        return super().unlink()

    @check_identity
    def action_unlock_config(self):
        """The password is confirmed: the form reloads with its configuration editable."""
        return {"type": "ir.actions.client", "tag": "soft_reload"}
