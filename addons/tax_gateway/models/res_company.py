from fapiao_core import validators

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import config

from .tax_gateway_guarded_mixin import refuse_without_identity


class ResCompany(models.Model):
    _inherit = "res.company"

    fapiao_bank_account = fields.Char(
        string="Fapiao Bank and Account", help="开户行及账号 printed as the seller's bank."
    )
    fapiao_address_phone = fields.Char(
        string="Fapiao Address and Phone", help="地址、电话 printed as the seller's address."
    )
    fapiao_drawer_id = fields.Many2one("res.users", string="Default Drawer", help="开票人")
    fapiao_second_factor = fields.Selection(
        [
            ("production", "When a Platform Is in Production"),
            ("always", "Always"),
            ("never", "Never"),
        ],
        string="Two-Factor Authentication for Issuers",
        default="production",
        required=True,
        help="二次验证: issuers and managers must use Odoo's two-factor authentication to issue, "
        "request red letters, release risk locks and import buyers; the password check of "
        "those actions then asks for the authenticator code too.",
    )
    fapiao_identity_check_amount = fields.Monetary(
        string="Identity Check Above",
        currency_field="currency_id",
        default=100000.0,
        help="Issuing a fapiao whose total is above this amount asks for the password again.",
    )

    fapiao_api_allowed_ips = fields.Char(
        string="Fapiao API Allowed From",
        help="Addresses or networks (comma separated) that may call the fapiao REST API for "
        "this company. Empty: any address.",
    )
    fapiao_api_rate = fields.Integer(
        string="Fapiao API Calls per Minute",
        default=120,
        help="Calls each API key may make per minute (a minute's worth at once). 0: no limit.",
    )

    @api.constrains("fapiao_api_allowed_ips", "fapiao_api_rate")
    def _check_fapiao_api_settings(self):
        for company in self:
            bad = validators.network_entries(company.fapiao_api_allowed_ips)[1]
            if bad:
                raise ValidationError(_("%s is not an IP address or network.", bad))
            if company.fapiao_api_rate < 0:
                raise ValidationError(_("The API's calls per minute cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["res.users"]._fapiao_callback_sync_companies()
        return companies

    def _fapiao_second_factor_required(self):
        self.ensure_one()
        if self.fapiao_second_factor != "production":
            return self.fapiao_second_factor == "always"
        # reason: whether a platform is in production, for users who cannot read platforms
        return bool(
            self.env["tax.gateway.provider"]
            .sudo()
            .search_count(
                [("company_id", "=", self.id), ("environment", "=", "production")], limit=1
            )
        )

    def _fapiao_manager_user(self):
        """Who gets the fapiao activities of this company: its first Fapiao Manager (the
        current user when there is none)."""
        self.ensure_one()
        group = self.env.ref("tax_gateway.group_fapiao_manager")
        managers = group.users.filtered(
            lambda u: self in u.company_ids and u.active and not u.share
        )
        return managers[:1] or self.env.user

    @api.model
    def _fapiao_guarded_fields(self):
        """Company settings that change only after the identity check; the trade add-ons add
        theirs."""
        return {name for name in self._fields if name.startswith("fapiao_")}

    def write(self, vals):
        guarded = self._fapiao_guarded_fields() & set(vals)
        if guarded and any(
            self._fields[name].convert_to_record(
                self._fields[name].convert_to_cache(vals[name], company), company
            )
            != company[name]
            for company in self
            for name in guarded
        ):
            refuse_without_identity(self.env)
            res = super().write(vals)
            for company in self:  # which settings changed, not their values
                self.env["tax.gateway.audit"]._append(
                    company, "config_change", detail=", ".join(sorted(guarded))[:250]
                )
            return res
        return super().write(vals)

    def _fapiao_demo_provider(self, dialect="nuonuo"):
        """Demo: the company's provider on the sandbox platform that `make demo` starts, in
        ``dialect`` (the sandbox speaks each platform's)."""
        self.ensure_one()
        return self.env["tax.gateway.provider"].create(
            {
                "name": {"nuonuo": "诺诺（沙箱）", "baiwang": "百望云（沙箱）"}[dialect],
                "company_id": self.id,
                "dialect": dialect,
                # the sandbox's own code of a 数电 motor-vehicle fapiao on Baiwang [U]
                "vehicle_type_code": "83" if dialect == "baiwang" else False,
                "environment": "test",
                "base_url": config.get("fapiao_sandbox_url") or "https://127.0.0.1:8443",
                "ca_bundle": config.get("fapiao_sandbox_ca") or False,
                "document_cert_path": config.get("fapiao_sandbox_signing_key") or False,
                "poll_interval": 2,
            }
        )

    def _tax_gateway_demo(self):
        """Demo: provider on the sandbox, fruit products with tax codes, posted invoices with a
        prepared fapiao each, ready to be issued from the web client."""
        company = self.ensure_one()
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        admin = env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        company._fapiao_demo_provider()
        tax_9 = env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
        codes = env["tax.classification"]
        kg = env.ref("uom.product_uom_kgm")
        fruit = env["product.category"].create(
            {
                "name": "水果",
                "tax_classification_id": codes.search([("code", "=", "1010115019900000000")]).id,
            }
        )
        products = env["product.product"].create(
            [
                {
                    "name": name,
                    "categ_id": fruit.id,
                    "lst_price": price,
                    "company_id": company.id,
                    "taxes_id": [Command.set(tax_9.ids)],
                    "fapiao_spec": spec,
                    "uom_id": kg.id,
                    "uom_po_id": kg.id,
                    "tax_classification_id": codes.search([("code", "=", code)]).id,
                }
                for name, price, spec, code in (
                    ("富士苹果", 12.5, "一级 80mm", "1010115010100000000"),
                    ("库尔勒香梨", 9.8, "特级", "1010115010200000000"),
                    ("赣南脐橙", 7.2, "一级", "1010115010300000000"),
                )
            ]
        )
        for partner, lines in (
            ("tax_gateway.demo_partner_buyer", [(products[0], 800), (products[1], 500)]),
            ("tax_gateway.demo_partner_person", [(products[2], 20)]),
        ):
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": env.ref(partner).id,
                    "company_id": company.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create({"product_id": p.id, "quantity": qty}) for p, qty in lines
                    ],
                }
            )
            move.action_post()
            move.action_prepare_fapiao()
