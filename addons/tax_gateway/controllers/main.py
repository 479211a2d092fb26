import ipaddress
import logging

from fapiao_core import platform

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

_logger = logging.getLogger(__name__)
# A platform's result notice is a few hundred bytes; anything much larger is not one.
MAX_CALLBACK_BYTES = 64 * 1024


def _allowed(remote, allow_list):
    """``allow_list``: addresses and networks, comma or space separated; empty: any address."""
    entries = (allow_list or "").replace(",", " ").split()
    if not entries:
        return True
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    for entry in entries:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class TaxGatewayCallback(http.Controller):
    @http.route(
        "/tax_gateway/callback/<int:provider_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def platform_callback(self, provider_id, **_kwargs):
        """The platform pushes a result (callBackUrl). It is a hint, never trusted: the fapiao
        of that business key gets a query now instead of at its next poll; the answer is the
        same whatever was sent, so the URL tells nothing to a stranger. Bodies above
        MAX_CALLBACK_BYTES are refused unread (413)."""
        length = request.httprequest.content_length
        if length is None or length > MAX_CALLBACK_BYTES:
            return request.make_json_response({"error": "too large"}, status=413)
        # the platform calls without a user: its callback runs as a user of its own, who may
        # read a platform and find a fapiao, nothing more
        caller = request.env["ir.model.data"]._xmlid_to_res_id("tax_gateway.user_fapiao_callback")
        env = request.env(user=caller, su=False)
        env = env(context={"allowed_company_ids": list(env.user._get_company_ids())})
        provider = env["tax.gateway.provider"].browse(provider_id).exists()
        # an unknown platform is answered as the usual one is: the URL tells nothing
        dialect = (
            provider._dialect() if provider else platform.client_class(platform.DEFAULT_DIALECT)
        )
        # the push in the platform's own shape (a form: werkzeug has parsed it already)
        order_no = provider and dialect.callback_business_key(
            request.httprequest.content_type, request.httprequest.form
        )
        if order_no:
            if not _allowed(request.httprequest.remote_addr, provider.callback_allowed_ips):
                _logger.info(
                    "platform callback for provider %s from %s, not in its allow-list: ignored",
                    provider.id,
                    request.httprequest.remote_addr,
                )
                provider = None
            fapiao = provider and env["tax.fapiao"].search(
                [
                    ("company_id", "=", provider.company_id.id),
                    ("order_no", "=", order_no),
                    ("state", "=", "issuing"),
                ],
                limit=1,
            )
            if fapiao:
                fapiao._callback_enqueue_poll()
                _logger.info("platform callback for fapiao %s: polling now", fapiao.id)
        # the same answer whatever was sent (the platform's "received")
        return request.make_json_response(dialect.callback_answer())


class TaxGatewayPersonalData(http.Controller):
    @http.route("/tax_gateway/personal_data/<int:partner_id>", type="http", auth="user")
    def personal_data(self, partner_id, **_kwargs):
        """The per-person export of res.partner.action_fapiao_personal_data; the rights and the
        recent password are checked again here, whoever opens the URL."""
        partner = request.env["res.partner"].browse(partner_id).exists()
        if not partner:
            raise request.not_found()
        try:
            name, content = partner._fapiao_personal_data_export()
        except AccessError as err:
            return request.make_response(str(err), [("Content-Type", "text/plain")], status=403)
        return request.make_response(
            content,
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Disposition", content_disposition(name)),
                ("Cache-Control", "no-store"),
            ],
        )
