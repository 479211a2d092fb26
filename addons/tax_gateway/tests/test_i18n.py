from odoo.tests import tagged

from .common import I18nCompleteCase


@tagged("post_install", "-at_install")
class TestI18n(I18nCompleteCase):
    module = "tax_gateway"
