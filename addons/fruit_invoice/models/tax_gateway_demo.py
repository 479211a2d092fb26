from odoo import api, models

from odoo.addons.tax_gateway.models.tax_gateway_demo import run_queued_jobs


class TaxGatewayDemo(models.AbstractModel):
    _inherit = "tax.gateway.demo"

    @api.model
    def _working_day(self, platform):
        """The wholesaler's day: the supermarket's paid invoices get their fapiao on their own
        (T+1), the restaurant's first two days are issued, the 农产品收购发票 of the grower's
        apples is issued, and the supermarket raises a red-letter form at the bureau (a
        discount) that waits for the 财务经理's answer."""
        super()._working_day(platform)
        company = self.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not company or not self.env["tax.gateway.provider"]._for_company(company):
            return
        issuer = self._demo_env(company, "tax_gateway.demo_user_issuer")
        manager = self._demo_env(company, "tax_gateway.demo_user_manager")
        # the T+N cron, as its own user runs it
        cron = self.env.ref("fruit_invoice.ir_cron_auto_fapiao")
        automatic = (
            self.env["account.move"]
            .with_user(cron.user_id)
            .with_context(allowed_company_ids=company.ids)
            ._cron_fruit_auto_fapiao()
        )
        run_queued_jobs(issuer, automatic.fapiao_ids)
        restaurant = issuer["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("fapiao_state", "=", "none"),
                ("commercial_partner_id.vat", "=", "91320100MA1N2P3Q43"),  # the restaurant
                ("fruit_invoicing", "=", False),
            ],
            order="invoice_date, id",
            limit=2,
        )
        for invoice in restaurant:
            invoice.action_prepare_fapiao()
        purchase = issuer["tax.fapiao"].search(
            [("company_id", "=", company.id), ("kind", "=", "agri"), ("state", "=", "draft")]
        )
        drafts = restaurant.fapiao_ids.filtered(lambda f: f.state == "draft") | purchase
        if drafts:
            drafts._submit()
            run_queued_jobs(issuer, drafts)
        discounted = automatic.fapiao_ids.filtered(lambda f: f.state == "issued")[:1]
        if discounted:
            platform.buyer("raise", number=discounted.number, redReason="4")
            manager["tax.red.form"]._cron_sync_red_forms()
