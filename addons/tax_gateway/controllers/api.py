"""The fapiao REST API, /api/fapiao/v1 (core/fapiao_core/api.py holds its OpenAPI document).

Each call is authenticated by an Odoo API key (Authorization: Bearer <key>) and runs as that
key's user, with that user's rights, companies and language: the server's record rules and the
fapiao state machine apply exactly as in the web client. A call that is refused changes
nothing (its work runs in a savepoint). Every authenticated call is written in the audit trail.
"""

import json
import logging
import math
import re

from fapiao_core import api, money, states
from psycopg2 import IntegrityError

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..models.tax_fapiao import FAPIAO_KINDS, STATES
from ..models.tax_red_form import REASONS
from ..models.tg_messages import core_message
from .main import _allowed

_logger = logging.getLogger(__name__)
P = api.PREFIX


class ApiError(api.RequestError):
    """A refusal of the controller's own (authentication, idempotency, not found), HTTP status
    first."""

    def __init__(self, status, code, message_key, headers=None, **params):
        super().__init__(code, message_key, status=status, headers=headers, **params)


def _red_states(env):
    return env["tax.red.form"]._fields["state"].selection


class FapiaoApi(http.Controller):
    # ------------------------------------------------------------------ the frame
    def _serve(self, work, idempotent=False):
        """Authenticate, rate-limit, run ``work(env)`` in a savepoint, answer, audit.
        ``work`` returns (status, JSON payload or a ready Response, audited record)."""
        env = None
        audited = None
        status, payload, headers = 500, None, {}
        try:
            env, key_id = self._authenticate()
            wait = (
                env["tax.gateway.api.request"]
                .sudo()  # reason: the bucket is the API's own bookkeeping, not the user's data
                ._take_api_token(key_id, env.user.company_id.fapiao_api_rate)
            )
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "api_rate_limited",
                    headers={"Retry-After": str(math.ceil(wait))},
                    wait=math.ceil(wait),
                )
            if idempotent:
                status, payload, audited = self._idempotent(env, work)
            else:
                with env.cr.savepoint():
                    status, payload, audited = work(env)
        except api.RequestError as err:  # the request's (core) and the controller's refusals
            status, headers = err.status, err.headers
            payload = self._error(env, err.code, err.key, err.params)
        except (AccessError, MissingError) as err:
            status = 403 if isinstance(err, AccessError) else 404
            payload = {"code": "forbidden" if status == 403 else "not_found", "message": str(err)}
        except (UserError, ValidationError) as err:
            status, payload = 422, {"code": "refused", "message": str(err)}
        finally:
            if env is not None:
                # the record the call is about, also when it was refused once found
                found = getattr(request, "_fapiao_api_record", None)
                self._audit(env, audited if audited is not None else found, status)
        if isinstance(payload, http.Response):
            return payload
        return request.make_json_response(payload, status=status, headers=list(headers.items()))

    def _error(self, env, code, key, params):
        lang_env = env or request.env(context=dict(request.env.context, lang=self._default_lang()))
        return {"code": code, "message": core_message(lang_env, key, params)}

    def _default_lang(self):
        langs = dict(request.env["res.lang"].sudo().get_installed())  # reason: public lookup
        return "zh_CN" if "zh_CN" in langs else "en_US"

    def _authenticate(self):
        header = request.httprequest.headers.get("Authorization") or ""
        found = re.match(r"^bearer\s+(\S+)$", header, re.IGNORECASE)
        uid = found and request.env["res.users.apikeys"]._check_credentials(
            scope="rpc", key=found.group(1)
        )
        if not uid:
            _logger.info(
                "fapiao API: call without a valid key from %s", request.httprequest.remote_addr
            )
            raise ApiError(
                401,
                "unauthorized",
                "api_unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="fapiao"'},
            )
        request.update_env(user=uid)
        user = request.env.user
        request.update_context(
            lang=user.lang or self._default_lang(),
            allowed_company_ids=user.company_ids.ids,
        )
        # the bucket is per key: the user and the key's public index (Odoo's first 8 chars)
        return request.env, f"{uid}:{found.group(1)[:8]}"

    def _check_address(self, env, companies):
        address = request.httprequest.remote_addr
        for company in companies:
            if not _allowed(address, company.sudo().fapiao_api_allowed_ips):
                # reason: the allow-list is read for whoever calls, as the platform callback's
                raise ApiError(
                    403,
                    "address_not_allowed",
                    "api_ip_not_allowed",
                    address=address,
                    company=company.name,
                )

    def _audit(self, env, record, status):
        method = request.httprequest.method
        path = request.httprequest.path
        try:
            with env.cr.savepoint():
                env["tax.gateway.audit"]._append(
                    record if record is not None else env.user.company_id,
                    "api_call",
                    detail=f"{method} {path} {status}"[:250],
                )
        except Exception:  # noqa: BLE001 - the answer is given; the failure is logged
            _logger.exception("fapiao API: the call %s %s was not audited", method, path)

    def _idempotent(self, env, work):
        """Run ``work`` once per (user, Idempotency-Key): the same request gets the first
        answer again; another request under the key is refused. A call refused before any
        work (unreadable, not found, no right) keeps nothing, so it may be sent again."""
        key = api.idempotency_key(request.httprequest.headers.get("Idempotency-Key"))
        if key is None:
            with env.cr.savepoint():
                return work(env)
        fingerprint = api.fingerprint(
            request.httprequest.method, request.httprequest.path, request.httprequest.get_data()
        )
        Stored = env["tax.gateway.api.request"].sudo()  # reason: the API's own bookkeeping
        kept = Stored.search([("user_id", "=", env.uid), ("idempotency_key", "=", key)])
        if kept:
            if kept.fingerprint != fingerprint:
                raise ApiError(422, "idempotency_mismatch", "api_idempotency_mismatch", key=key)
            return kept.status, json.loads(kept.body), None
        with env.cr.savepoint():
            try:
                with env.cr.savepoint():
                    kept = Stored.create(
                        {
                            "user_id": env.uid,
                            "company_id": env.user.company_id.id,
                            "idempotency_key": key,
                            "fingerprint": fingerprint,
                        }
                    )
            except IntegrityError as err:  # a concurrent request with that key committed
                raise ApiError(409, "idempotency_busy", "api_idempotency_busy", key=key) from err
            try:
                with env.cr.savepoint():
                    status, payload, record = work(env)
            except (AccessError, MissingError):
                raise
            except (UserError, ValidationError) as err:
                # a refusal by the rules is the answer to that request: kept, as an acceptance
                status, payload, record = 422, {"code": "refused", "message": str(err)}, None
            kept.write({"status": status, "body": json.dumps(payload, ensure_ascii=False)})
        return status, payload, record

    def _not_found(self, what, record_id):
        raise ApiError(404, "not_found", f"api_{what}_not_found", id=record_id)

    def _visible(self, env, model, record_id, what, valid=bool):
        """The record the key's user may read, else 404 (another company's record does not
        exist for this user); then the address check of its company."""
        record = env[model].browse(record_id).exists()
        try:
            record.check_access("read")
        except AccessError:
            record = env[model]
        if not record or not valid(record):
            self._not_found(what, record_id)
        request._fapiao_api_record = record
        self._check_address(env, record.company_id)
        return record

    def _fapiao(self, env, fapiao_id):
        return self._visible(env, "tax.fapiao", fapiao_id, "fapiao")

    # ------------------------------------------------------------------ representation
    def _documents(self, fapiao):
        """{fapiao id: archived document types}, in one query for a page of fapiao."""
        found = {}
        attachments = (
            fapiao.env["ir.attachment"]
            .sudo()  # reason: the fapiao were read with the user's rights; their files' names
            .search_read(
                [("res_model", "=", "tax.fapiao"), ("res_id", "in", fapiao.ids)],
                ["res_id", "name"],
            )
        )
        for attachment in attachments:
            found.setdefault(attachment["res_id"], set()).add(attachment["name"].rsplit(".", 1)[-1])
        return found

    def _fapiao_json(self, fapiao, documents=None):
        if documents is None:
            documents = self._documents(fapiao)
        documents = documents.get(fapiao.id, set())
        return {
            "id": fapiao.id,
            "invoice_id": fapiao.move_id.id or None,
            "company_id": fapiao.company_id.id,
            "kind": fapiao.kind,
            "direction": fapiao.direction,
            "state": fapiao.state,
            "number": fapiao.number or None,
            "paper_code": fapiao.paper_code or None,
            "paper_number": fapiao.paper_number or None,
            "issue_date": api.timestamp(fapiao.issue_date),
            "currency": fapiao.currency_id.name,
            "amount_untaxed": api.amount(fapiao.amount_untaxed),
            "amount_tax": api.amount(fapiao.amount_tax),
            "amount_total": api.amount(fapiao.amount_total),
            "buyer": {"name": fapiao.buyer_name or None, "tax_id": fapiao.buyer_tax_id or None},
            "lines": [
                {
                    "id": line.id,
                    "name": line.name or "",
                    "quantity": money.plain(money.D(line.quantity)) if line.quantity else None,
                    "amount": api.amount(line.amount),
                    "tax_amount": api.amount(line.tax_amount),
                    "tax_rate": money.plain(money.D(line.tax_rate)),
                }
                for line in fapiao.line_ids
            ],
            "documents": sorted(documents & set(api.DOCUMENT_TYPES)),
            "error": {"code": fapiao.error_code, "message": fapiao.error_message or ""}
            if fapiao.error_code
            else None,
            "updated_at": api.timestamp(fapiao.write_date),
        }

    # ------------------------------------------------------------------ routes
    @http.route(
        f"{P}/openapi.json", type="http", auth="public", methods=["GET"], save_session=False
    )
    def openapi(self, **_kwargs):
        document = api.openapi(
            FAPIAO_KINDS,
            STATES,
            _red_states(request.env),
            REASONS,
            server_url=request.httprequest.host_url.rstrip("/"),
        )
        return request.make_json_response(document)

    @http.route(
        f"{P}/invoices/<int:invoice_id>/fapiao",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def request_fapiao(self, invoice_id, **_kwargs):
        def work(env):
            kind = api.issue_body(
                api.body_json(request.httprequest.get_data()), [k for k, _l in FAPIAO_KINDS]
            )
            move = self._visible(
                env,
                "account.move",
                invoice_id,
                "invoice",
                valid=lambda m: m.move_type in m._fapiao_move_types(),
            )
            move.action_prepare_fapiao()
            live = move.fapiao_ids.filtered(
                lambda f: f.direction == "blue" and f.state not in states.GIVEN_UP
            )
            if not live:
                raise UserError(core_message(env, "api_not_invoiceable", {"invoice": move.name}))
            to_send = live.filtered(lambda f: f.state == "draft")
            if kind and to_send:
                to_send.write({"kind": kind})
            if to_send:
                # the API key, presented on every call, is the caller's credential: Odoo's
                # identity check (a password typed again in the browser) has no place here
                to_send._submit()
            return (
                202,
                {
                    "invoice_id": move.id,
                    "fapiao": [{"id": f.id, "state": f.state, "kind": f.kind} for f in live],
                },
                move,
            )

        return self._serve(work, idempotent=True)

    @http.route(f"{P}/fapiao", type="http", auth="public", methods=["GET"], save_session=False)
    def list_fapiao(self, **_kwargs):
        def work(env):
            invoice_id, state, since, limit, offset = api.list_query(
                request.httprequest.args.to_dict(), [s for s, _l in STATES]
            )
            companies = env.user.company_ids.filtered(
                lambda c: _allowed(
                    request.httprequest.remote_addr,
                    c.sudo().fapiao_api_allowed_ips,  # reason: the allow-list, for any caller
                )
            )
            if not companies:
                self._check_address(env, env.user.company_ids)
            domain = [("company_id", "in", companies.ids)]
            if invoice_id:
                domain.append(("move_id", "=", invoice_id))
            if state:
                domain.append(("state", "=", state))
            if since:
                domain.append(("write_date", ">=", since))
            Fapiao = env["tax.fapiao"]
            total = Fapiao.search_count(domain)
            found = Fapiao.search(
                domain, limit=limit, offset=offset, order="write_date desc, id desc"
            )
            following = offset + len(found)
            documents = self._documents(found)
            return (
                200,
                {
                    "items": [self._fapiao_json(f, documents) for f in found],
                    "total": total,
                    "next_offset": following if following < total else None,
                },
                None,
            )

        return self._serve(work)

    @http.route(
        f"{P}/fapiao/<int:fapiao_id>",
        type="http",
        auth="public",
        methods=["GET"],
        save_session=False,
    )
    def get_fapiao(self, fapiao_id, **_kwargs):
        def work(env):
            fapiao = self._fapiao(env, fapiao_id)
            return 200, self._fapiao_json(fapiao), fapiao

        return self._serve(work)

    @http.route(
        f"{P}/fapiao/<int:fapiao_id>/documents/<string:document_type>",
        type="http",
        auth="public",
        methods=["GET"],
        save_session=False,
    )
    def get_document(self, fapiao_id, document_type, **_kwargs):
        def work(env):
            fapiao = self._fapiao(env, fapiao_id)
            attachment = (
                env["ir.attachment"]
                .sudo()  # reason: the fapiao was read with the user's rights; its archived files
                .search(
                    [
                        ("res_model", "=", "tax.fapiao"),
                        ("res_id", "=", fapiao.id),
                        ("name", "=like", f"%.{document_type}"),
                    ],
                    limit=1,
                )
                if document_type in api.DOCUMENT_TYPES
                else None
            )
            if not attachment:
                raise ApiError(
                    404,
                    "not_found",
                    "api_no_document",
                    fapiao=fapiao.display_name,
                    type=document_type[:10],
                )
            response = request.make_response(
                attachment.raw,
                [
                    ("Content-Type", api.DOCUMENT_TYPES[document_type]),
                    ("Content-Disposition", f'attachment; filename="{attachment.name}"'),
                    ("Cache-Control", "no-store"),
                ],
            )
            return 200, response, fapiao

        return self._serve(work)

    @http.route(
        f"{P}/fapiao/<int:fapiao_id>/red-letter",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def request_red_letter(self, fapiao_id, **_kwargs):
        def work(env):
            reason, lines = api.red_letter_body(
                api.body_json(request.httprequest.get_data()), [r for r, _l in REASONS]
            )
            fapiao = self._fapiao(env, fapiao_id)
            left = fapiao._red_amounts_left()
            blue_lines = {line.id: line for line in fapiao.line_ids}
            wanted = lines or [(line_id, None, None) for line_id in blue_lines]
            values = []
            for line_id, amount, quantity in wanted:
                blue = blue_lines.get(line_id)
                if blue is None:
                    raise UserError(
                        core_message(
                            env,
                            "api_line_not_of_fapiao",
                            {"line": line_id, "fapiao": fapiao.display_name},
                        )
                    )
                amount_left, tax_left = left[line_id]
                if amount_left <= 0 and lines is None:
                    continue
                if amount is None or amount == amount_left:
                    amount, tax = amount_left, tax_left
                else:
                    tax = money.cents(amount * money.D(blue.tax_rate))
                if quantity is None and blue.quantity and money.D(blue.amount):
                    quantity = abs(money.D(blue.quantity)) * amount / abs(money.D(blue.amount))
                values.append(
                    {
                        "blue_line_id": blue.id,
                        "amount": float(amount),
                        "tax_amount": float(tax),
                        "quantity": float(quantity or 0),
                    }
                )
            form = env["tax.red.form"].create(
                {
                    "fapiao_id": fapiao.id,
                    "reason": reason,
                    "line_ids": [(0, 0, line) for line in values],
                }
            )
            # as for issuing: the key presented on this call is the manager's credential
            form._submit()
            return (
                202,
                {
                    "id": form.id,
                    "fapiao_id": fapiao.id,
                    "state": form.state,
                    "reason": form.reason,
                    "amount_total": api.amount(form.amount_total),
                },
                fapiao,
            )

        return self._serve(work, idempotent=True)
