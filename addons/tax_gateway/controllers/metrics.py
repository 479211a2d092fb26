"""/tax_gateway/metrics: the connector's metrics for Prometheus, behind a token.

The token is ``fapiao_metrics_token`` in odoo.conf (a secret outside the database); without it
the route answers 404. Prometheus sends it as ``Authorization: Bearer <token>``
(``authorization: {credentials: ...}`` in its scrape config)."""

import hmac
import re

from fapiao_core import metrics

from odoo import http
from odoo.http import request
from odoo.tools import config

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class TaxGatewayMetrics(http.Controller):
    @http.route(
        "/tax_gateway/metrics", type="http", auth="public", methods=["GET"], save_session=False
    )
    def metrics(self, **_kwargs):
        token = config.get("fapiao_metrics_token")
        if not token:
            raise request.not_found()
        header = request.httprequest.headers.get("Authorization") or ""
        given = re.match(r"^bearer\s+(\S+)$", header, re.IGNORECASE)
        if not given or not hmac.compare_digest(given.group(1).encode(), str(token).encode()):
            return request.make_response(
                "token required\n",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
                status=401,
            )
        # reason: the token holder reads counts across companies (no record, no personal data)
        snapshot = request.env["tax.gateway.metrics"].sudo()._snapshot()
        return request.make_response(
            metrics.render(snapshot),
            [("Content-Type", CONTENT_TYPE), ("Cache-Control", "no-store")],
        )
