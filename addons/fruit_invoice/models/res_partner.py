from odoo import _, fields, models
from odoo.exceptions import UserError

POLICY_FIELDS = ("fruit_fapiao_policy", "fruit_fapiao_delay")


class ResPartner(models.Model):
    _inherit = "res.partner"

    fruit_fapiao_policy = fields.Selection(
        [
            ("manual", "Manual"),
            ("after_payment", "Automatic after payment"),
            ("on_request", "On request, approved by finance"),
        ],
        string="Fapiao Policy",
        default="manual",
        required=True,
        help="Automatic after payment: once an invoice of this customer is paid, its fapiao is "
        "prepared and issued after the delay, without anyone clicking. On request: a fapiao "
        "prepared when the customer asks for it waits for a Fapiao Manager's approval before "
        "it can be issued.",
    )
    fruit_fapiao_delay = fields.Integer(
        string="Fapiao Delay (days)",
        default=1,
        help="T+N: days between the payment and the automatic fapiao.",
    )

    def write(self, vals):
        # issuing on its own is a standing authorisation: only a Fapiao Manager grants it
        if set(POLICY_FIELDS) & set(vals) and not self.env.user.has_group(
            "tax_gateway.group_fapiao_manager"
        ):
            raise UserError(_("Only a Fapiao Manager may change a customer's fapiao policy."))
        return super().write(vals)
