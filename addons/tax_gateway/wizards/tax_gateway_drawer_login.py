from urllib.parse import urlencode

from fapiao_core import platform
from fapiao_core.client import PlatformError

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# the app the drawer scans the bureau's QR code with (getQrCode's qrCodeType, as platforms
# number them; an unknown type is shown as is)
SCAN_APPS = {
    "1": "微信或支付宝",
    "2": "税务 APP",
    "3": "电子营业执照 APP",
    "4": "税务 APP",
    "5": "个人所得税 APP",
    "6": "个人所得税 APP",
}


class TaxGatewayDrawerLogin(models.TransientModel):
    """The drawer (开票员) logs in to the tax bureau, or confirms their identity, through the
    platform: by scanning a QR code with the bureau's app, or with a code texted to their
    phone. Once the bureau confirms, the fapiao that waited for it are sent, in order."""

    _name = "tax.gateway.drawer.login"
    _description = "Drawer's Login at the Tax Bureau"

    provider_id = fields.Many2one("tax.gateway.provider", required=True, readonly=True)
    company_id = fields.Many2one(related="provider_id.company_id")
    purpose = fields.Selection(
        [(platform.SESSION_LOGIN, "Log In"), (platform.SESSION_VERIFY, "Confirm Identity")],
        required=True,
        readonly=True,
    )
    method = fields.Selection(
        [("qr", "QR Code"), ("sms", "SMS Code")], string="Log In With", default="qr", required=True
    )
    waiting_count = fields.Integer(related="provider_id.waiting_login_count")
    qr_code = fields.Char(readonly=True)
    qr_image_url = fields.Char(compute="_compute_qr_image_url")
    scan_app = fields.Char(string="Scan With", readonly=True)
    qr_expires = fields.Char(string="Valid Until", readonly=True)
    auth_id = fields.Char(readonly=True)
    sms_sent = fields.Boolean(readonly=True)
    sms_code = fields.Char(string="SMS Code")

    @api.depends("qr_code")
    def _compute_qr_image_url(self):
        for wizard in self:
            wizard.qr_image_url = wizard.qr_code and "/report/barcode/?" + urlencode(
                {"barcode_type": "QR", "value": wizard.qr_code, "width": 240, "height": 240}
            )

    def _client(self):
        return self.provider_id._client()

    def _platform_call(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not answer the login step: %s",
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect),
                )
            ) from err

    def action_show_qr_code(self):
        return self._fetch_qr_code(renew=False)

    def action_renew_qr_code(self):
        return self._fetch_qr_code(renew=True)

    def _fetch_qr_code(self, renew):
        self.ensure_one()
        provider = self.provider_id
        provider._check_session_rights()
        if renew:
            provider._check_qr_renewal()
        qr = self._platform_call(self._client().session_qr, self.purpose, renew=renew)
        if qr["renewed"]:
            provider._count_qr_renewal()
        self.write(
            {
                "qr_code": qr["qr"],
                "scan_app": SCAN_APPS.get(qr["app"], qr["app"]),
                "qr_expires": qr["expires"],
                "auth_id": qr["auth_id"],
            }
        )
        return self._reopen()

    def action_send_sms(self):
        self.ensure_one()
        self.provider_id._check_session_rights()
        if self.purpose != platform.SESSION_LOGIN:
            raise UserError(_("The identity check is done by scanning the QR code."))
        self._platform_call(self._client().session_sms)
        self.sms_sent = True
        return self._reopen()

    def action_confirm(self):
        """The drawer scanned the code or typed the texted one: the bureau is asked, and the
        fapiao waiting for it go out once it confirmed."""
        self.ensure_one()
        provider = self.provider_id
        provider._check_session_rights()
        code = (self.sms_code or "").strip()
        if self.method == "sms" and self.purpose == platform.SESSION_LOGIN:
            if not (code.isascii() and code.isdigit()):
                raise UserError(_("Type the code texted to the drawer's phone (digits only)."))
        else:
            code = None
        confirmed = self._platform_call(
            self._client().session_confirm, self.purpose, sms_code=code, auth_id=self.auth_id
        )
        if not confirmed:
            raise UserError(
                _(
                    "The tax bureau has not confirmed yet: wait a few seconds after scanning, "
                    "then click Done again."
                )
            )
        # logging in may show that the identity check is due as well: the session is asked
        return provider._after_session_change()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Drawer's Login at the Tax Bureau"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
