import json

from odoo import api, fields, models

from odoo.addons.base.models.res_users import check_identity

from .tax_gateway_guarded_mixin import identity_recently_checked


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fapiao_api_allowed_ips = fields.Char(
        related="company_id.fapiao_api_allowed_ips", readonly=False
    )
    fapiao_api_rate = fields.Integer(related="company_id.fapiao_api_rate", readonly=False)
    fapiao_request_log_days = fields.Integer(
        string="Keep Platform Calls (Days)",
        config_parameter="tax_gateway.request_log_retention_days",
        default=365,
        help="The log of calls to the tax platforms is purged after this many days (at least "
        "180). The fapiao and their audit trail are kept for at least 10 years.",
    )
    fapiao_identity_check_amount = fields.Monetary(
        related="company_id.fapiao_identity_check_amount", readonly=False
    )
    fapiao_second_factor = fields.Selection(
        related="company_id.fapiao_second_factor", readonly=False
    )
    fapiao_bank_account = fields.Char(related="company_id.fapiao_bank_account", readonly=False)
    fapiao_address_phone = fields.Char(related="company_id.fapiao_address_phone", readonly=False)
    fapiao_drawer_id = fields.Many2one(related="company_id.fapiao_drawer_id", readonly=False)
    fapiao_pending_config = fields.Text(
        help="Fapiao settings changed on this screen, applied once the password is confirmed."
    )

    def _fapiao_guarded_settings(self):
        """{settings field: company field} of the fapiao settings behind the identity check."""
        guarded = self.env["res.company"]._fapiao_guarded_fields()
        return {
            name: field.related.split(".", 1)[1]
            for name, field in self._fields.items()
            if field.related
            and field.related.startswith("company_id.")
            and field.related.split(".", 1)[1] in guarded
        }

    @api.model_create_multi
    def create(self, vals_list):
        """Saving the settings first creates this record, which writes related fields on the
        company at once: the changed fapiao settings are held back here and applied by
        ``execute`` after the identity check."""
        if not identity_recently_checked():
            guarded = self._fapiao_guarded_settings()
            for vals in vals_list:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                held = {}
                for name, company_field in guarded.items():
                    if name not in vals:
                        continue
                    field = self._fields[name]
                    new = field.convert_to_record(field.convert_to_cache(vals[name], self), self)
                    if new != company[company_field]:
                        held[company_field] = vals.pop(name)
                    else:
                        vals.pop(name)
                if held:
                    vals["fapiao_pending_config"] = json.dumps(held)
        return super().create(vals_list)

    def execute(self):
        if self.fapiao_pending_config:
            return self._execute_fapiao_checked()
        return super().execute()

    @check_identity
    def _execute_fapiao_checked(self):
        self.ensure_one()
        held = json.loads(self.fapiao_pending_config)
        self.fapiao_pending_config = False
        self.company_id.write(held)
        return super().execute()
