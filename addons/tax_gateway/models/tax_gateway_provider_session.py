"""The drawer's session at the tax bureau, as the platform says it: login and identity checks
(QR code, SMS), and the fapiao held until the drawer has logged in."""

import logging
import time

from fapiao_core import platform, states
from fapiao_core.client import PlatformError

from odoo import _, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

QR_RENEW_INTERVAL = 60  # seconds between two new QR codes of the bureau
QR_RENEWALS_PER_DAY = 20


class TaxGatewayProviderSession(models.AbstractModel):
    """The drawer's session at the tax bureau.

    A concern of ``tax.gateway.provider``, which inherits it."""

    _name = "tax.gateway.provider.session"
    _description = "Tax Platform Provider: Drawer's Session"

    # the drawer's session at the tax bureau, as the platform last said (fapiao_core.platform)
    session_state = fields.Selection(
        [
            (platform.SESSION_OK, "Logged In"),
            (platform.SESSION_LOGIN, "Login Needed"),
            (platform.SESSION_VERIFY, "Identity Check Needed"),
            (platform.SESSION_UNKNOWN, "Unknown"),
        ],
        string="Drawer's Session",
        default=platform.SESSION_OK,
        readonly=True,
        copy=False,
        help="Whether the drawer (开票员) is logged in to the tax bureau, as the platform last "
        "said. While a login or an identity check is needed, fapiao wait instead of being sent.",
    )

    session_checked_at = fields.Datetime(string="Session Checked On", readonly=True, copy=False)

    # the bureau hands out a new QR code at most once a minute and 20 times a day
    session_qr_renewals = fields.Char(readonly=True, copy=False, help="day:count:last (epoch)")

    ele_account = fields.Char(
        string="Tax Bureau Account",
        help="The drawer's account at the electronic tax bureau (电子税务局: a mobile number or "
        "an ID number), named in the platform's login calls.",
    )

    extension_number = fields.Char(
        help="分机号 of the company's account at the platform, when it has several.",
    )

    # ------------------------------------------------------ the drawer's session
    def _check_session_rights(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_issuer"):
            raise UserError(
                _("Only a Fapiao Issuer (开票员) or Manager logs in to the tax bureau.")
            )

    def _set_session_state(self, state):
        """Record what the platform said of the drawer's session. Written by whoever asked
        (an issuing job runs as its 开票员)."""
        self.ensure_one()
        if state == self.session_state and self.session_checked_at:
            self.sudo().session_checked_at = fields.Datetime.now()  # reason: connector's cache
            return
        # reason: the provider row is the connector's cache of the platform's state
        self.sudo().write({"session_state": state, "session_checked_at": fields.Datetime.now()})

    def _check_qr_renewal(self):
        """Refuse a new QR code the bureau would refuse: more than one a minute, 20 a day."""
        _day, count, last = self._qr_renewals()
        wait = int(last + QR_RENEW_INTERVAL - time.time())
        if wait > 0:
            raise UserError(
                _("The tax bureau gives a new QR code at most once a minute: wait %s s.", wait)
            )
        if count >= QR_RENEWALS_PER_DAY:
            raise UserError(
                _(
                    "The tax bureau gave its %s QR codes of the day: log in by SMS code, or "
                    "tomorrow.",
                    QR_RENEWALS_PER_DAY,
                )
            )

    def _qr_renewals(self):
        today = str(fields.Date.context_today(self))
        day, _s, rest = (self.session_qr_renewals or "").partition(":")
        count, _s, last = rest.partition(":")
        if day != today:
            return today, 0, float(last or 0)
        return day, int(count or 0), float(last or 0)

    def _count_qr_renewal(self):
        day, count, _last = self._qr_renewals()
        # reason: the connector's count of the bureau's limit, kept for whoever logs in
        self.sudo().session_qr_renewals = f"{day}:{count + 1}:{time.time():.0f}"

    def _probe_session(self):
        """Ask the platform for the drawer's session; a platform that cannot say refuses."""
        self.ensure_one()
        try:
            state = self._client().session_state()
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not say whether the drawer is logged in: %s",
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect),
                )
            ) from err
        self._set_session_state(state)
        return state

    def action_drawer_login(self):
        """Log In to the Tax Bureau: the platform is asked first; a drawer already logged in
        (at the platform's own site, say) releases the waiting fapiao at once."""
        self.ensure_one()
        self._check_session_rights()
        return self._after_session_change()

    def _after_session_change(self):
        state = self._probe_session()
        if state in states.SESSION_HOLDS:
            wizard = self.env["tax.gateway.drawer.login"].create(
                {"provider_id": self.id, "purpose": state}
            )
            return wizard._reopen()
        released = self._release_waiting_login()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("The drawer is logged in"),
                "message": _("%s fapiao that waited for the login go out now.", released),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _release_waiting_login(self):
        """The fapiao that waited for the drawer go out, oldest first."""
        self.ensure_one()
        waiting = self.env["tax.fapiao"].search(
            [("company_id", "=", self.company_id.id), ("state", "=", "waiting_login")],
            order="id",
        )
        waiting._release_after_login()
        return len(waiting)
