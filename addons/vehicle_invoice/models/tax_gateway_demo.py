from odoo import api, models

from odoo.addons.tax_gateway.models.tax_gateway_demo import run_queued_jobs


class TaxGatewayDemo(models.AbstractModel):
    _inherit = "tax.gateway.demo"

    @api.model
    def _working_day(self, platform):
        """The dealer's day: the invoiced deal's fapiao issued (the SUV on its own
        motor-vehicle 专票, the accessories, the plates service), and a deal sold far below
        the maker's guide price held for the 财务经理's risk review before any fapiao."""
        super()._working_day(platform)
        dealer = self.env.ref("vehicle_invoice.demo_company_dealer", raise_if_not_found=False)
        if not dealer or not self.env["tax.gateway.provider"]._for_company(dealer):
            return
        issuer = self._demo_env(dealer, "vehicle_invoice.demo_user_dealer_issuer")
        drafts = issuer["tax.fapiao"].search(
            [("company_id", "=", dealer.id), ("state", "=", "draft"), ("direction", "=", "blue")]
        )
        if drafts:
            drafts._submit()
            run_queued_jobs(issuer, drafts)
        company = dealer.with_context(allowed_company_ids=dealer.ids)
        tiguan = (
            company.env["stock.quant"]
            .search(
                [
                    ("company_id", "=", dealer.id),
                    ("lot_id.vehicle_model", "=", "SVW6471DFD"),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ],
                order="lot_id",
                limit=1,
            )
            .lot_id
        )
        fleet = company.env["res.partner"].search(
            [("company_id", "=", dealer.id), ("vat", "=", "91310000MA1K4B7R06")], limit=1
        )
        if not tiguan or not fleet:
            return
        # 199,000 with tax against a guide price of 280,000: 29 % below, past the 15 % rule
        order = company._vehicle_demo_sell(fleet, [(tiguan.product_id, 176106.19)], deliver=tiguan)
        invoice = order._create_invoices()
        invoice.action_post()
        issuer["account.move"].browse(invoice.id).action_prepare_fapiao()
