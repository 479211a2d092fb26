from collections import Counter

from odoo.tests import tagged

from .common import I18nCompleteCase

OUR_MODULES = ("tax_gateway", "tax_gateway_sale", "fruit_invoice", "vehicle_invoice")


@tagged("post_install", "-at_install")
class TestI18n(I18nCompleteCase):
    module = "tax_gateway"

    def _our_menus(self):
        self.env.ref("base.lang_zh_CN").active = True
        ids = (
            self.env["ir.model.data"]
            .search([("model", "=", "ir.ui.menu"), ("module", "in", OUR_MODULES)])
            .mapped("res_id")
        )
        return self.env["ir.ui.menu"].with_context(lang="zh_CN").browse(ids).exists()

    def test_our_menus_read_differently_in_zh_cn(self):
        """Two menus of ours never carry the same zh_CN label, and none of ours reads like one
        of Odoo's (发票 / 发票 / 发票 is what a user saw when the fapiao was called 发票)."""
        menus = self._our_menus()
        self.assertGreater(len(menus), 10)
        # the catalogue is loaded: the fapiao's own menu reads 数电票
        self.assertEqual(
            self.env.ref("tax_gateway.menu_fapiao_root").with_context(lang="zh_CN").name, "数电票"
        )
        twice = [name for name, count in Counter(menus.mapped("name")).items() if count > 1]
        self.assertFalse(twice, f"menus of ours sharing a zh_CN label: {twice}")
        others = (
            self.env["ir.ui.menu"].with_context(lang="zh_CN").search([("id", "not in", menus.ids)])
        )
        theirs = set(others.mapped("complete_name"))
        clash = [menu.complete_name for menu in menus if menu.complete_name in theirs]
        self.assertFalse(clash, f"menus of ours reading like one of Odoo's: {clash}")
