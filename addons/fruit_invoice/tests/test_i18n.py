from odoo.tests import tagged

from odoo.addons.tax_gateway.tests.common import I18nCompleteCase


@tagged("post_install", "-at_install")
class TestI18n(I18nCompleteCase):
    module = "fruit_invoice"
