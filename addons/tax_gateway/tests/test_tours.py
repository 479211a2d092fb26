from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import FapiaoCommon, new_role_user, run_queued_jobs


@tagged("post_install", "-at_install")
class TestFapiaoTour(FapiaoCommon, HttpCase):
    def test_prepare_fapiao_from_invoice(self):
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [Command.link(self.company.id)],
                "company_id": self.company.id,
                "groups_id": [Command.link(self.env.ref("tax_gateway.group_fapiao_issuer").id)],
            }
        )
        move = self.make_invoice()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
            "tax_gateway_prepare_fapiao",
            login="admin",
        )
        fapiao = move.fapiao_ids
        self.assertEqual(len(fapiao), 1)
        self.assertEqual(fapiao.state, "to_issue")
        self.assertEqual(fapiao.line_ids.item_name, "*水果*富士苹果")

    def test_an_issuer_in_zh_cn_issues_in_one_click(self):
        """The 开票员 of the zh_CN client: invoice -> 开具数电票 -> the issued fapiao."""
        self.start_sandbox()
        self.env.ref("base.lang_zh_CN").active = True
        issuer = new_role_user(
            self.env,
            "tour_kaipiao",
            self.company,
            "tax_gateway.group_fapiao_issuer,account.group_account_invoice",
            lang="zh_CN",
        )
        move = self.make_invoice()
        url = f"/odoo/action-account.action_move_out_invoice_type/{move.id}"
        self.start_tour(url, "tax_gateway_issue_fapiao_zh", login=issuer.login)
        self.assertEqual(move.fapiao_ids.state, "to_issue")
        self.assertEqual(move.fapiao_ids.submitted_by_id, issuer)
        run_queued_jobs(self.env, move.fapiao_ids)
        self.assertEqual(move.fapiao_ids.state, "issued")
        self.start_tour(url, "tax_gateway_issued_fapiao_zh", login=issuer.login)
        self.start_tour(
            f"/odoo/action-tax_gateway.tax_fapiao_action/{move.fapiao_ids.id}",
            "tax_gateway_fapiao_issued_zh",
            login=issuer.login,
        )

    def test_a_manager_in_zh_cn_takes_part_of_a_fapiao_back(self):
        """The 财务经理 of the zh_CN client: issued invoice -> credit note for 40 of the 100
        apples -> 申请红字发票 -> 提交税局 behind the password -> the red fapiao."""
        self.start_sandbox()
        self.env.ref("base.lang_zh_CN").active = True
        manager = new_role_user(
            self.env,
            "tour_caiwu",
            self.company,
            "tax_gateway.group_fapiao_manager,account.group_account_manager",
            lang="zh_CN",
            email="caiwu@example.com",
        )
        move = self.make_invoice()
        blue = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        blue._submit()
        run_queued_jobs(self.env, blue)
        self.assertEqual(blue.state, "issued")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
            "tax_gateway_partial_red_letter_zh",
            login=manager.login,
        )
        form = self.env["tax.red.form"].search([("fapiao_id", "=", blue.id)])
        self.assertEqual((form.state, form.full_reversal), ("applying", False))
        self.assertEqual(form.create_uid, manager)
        run_queued_jobs(self.env, form)
        self.assertEqual(form.state, "issued")
        self.assertEqual(blue.state, "partially_reversed")
        self.assertEqual(blue.amount_reversed, 545.0)  # 40 apples at 12.5, with 9 % tax
        self.assertEqual(form.move_id.state, "posted")

    def test_a_manager_reads_the_platform_dashboard(self):
        """The dashboard draws its card and four charts from the platform's figures."""
        self.start_sandbox()
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao._submit()
        run_queued_jobs(self.env, fapiao)
        self.provider.action_refresh_credit_line()
        self.env.ref("base.lang_zh_CN").active = True
        manager = new_role_user(
            self.env,
            "tour_dashboard",
            self.company,
            "tax_gateway.group_fapiao_manager,account.group_account_manager",
            lang="zh_CN",
        )
        self.start_tour(
            "/odoo/action-tax_gateway.tax_gateway_platform_dashboard_action",
            "tax_gateway_platform_dashboard",
            login=manager.login,
        )
