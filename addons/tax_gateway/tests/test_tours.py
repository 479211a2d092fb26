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
