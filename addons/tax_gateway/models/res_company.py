from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fapiao_bank_account = fields.Char(
        string="Fapiao Bank and Account", help="开户行及账号 printed as the seller's bank."
    )
    fapiao_address_phone = fields.Char(
        string="Fapiao Address and Phone", help="地址、电话 printed as the seller's address."
    )
    fapiao_drawer_id = fields.Many2one("res.users", string="Default Drawer", help="开票人")
    fapiao_identity_check_amount = fields.Monetary(
        string="Identity Check Above",
        currency_field="currency_id",
        default=100000.0,
        help="Issuing a fapiao whose total is above this amount asks for the password again.",
    )
