from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import FapiaoCommon


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
