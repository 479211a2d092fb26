"""The REST API /api/fapiao/v1 over real HTTP, as each role, with Odoo API keys: the OpenAPI
document is valid and true (every documented route is called and each answer checked against
its schema), idempotent requests make one fapiao, errors are JSON in the key user's language,
the address allow-list and the rate limit hold, and every call is audited."""

import json

from fapiao_core import api

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import FapiaoCommon, new_role_user, run_queued_jobs

P = api.PREFIX


@tagged("post_install", "-at_install")
class TestFapiaoApi(FapiaoCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.company.fapiao_identity_check_amount = 0
        groups = "tax_gateway.group_fapiao_issuer,account.group_account_invoice"
        cls.issuer = new_role_user(cls.env, "api_issuer", cls.company, groups, lang="zh_CN")
        cls.issuer_en = new_role_user(cls.env, "api_issuer_en", cls.company, groups, lang="en_US")
        cls.manager = new_role_user(
            cls.env,
            "api_manager",
            cls.company,
            "tax_gateway.group_fapiao_manager,account.group_account_invoice",
            lang="en_US",
        )
        cls.billing = new_role_user(
            cls.env, "api_billing", cls.company, "account.group_account_invoice", lang="en_US"
        )
        cls.keys = {
            user.login: cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, "order system", None)
            for user in (cls.issuer, cls.issuer_en, cls.manager, cls.billing)
        }
        cls.env.ref("base.lang_zh_CN").active = True

    def call(self, method, path, login=None, body=None, headers=None, key=None):
        headers = dict(headers or {})
        if login or key:
            headers["Authorization"] = f"Bearer {key or self.keys[login]}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes | str) else json.dumps(body)
            headers["Content-Type"] = "application/json"
        return self.opener.request(
            method, self.base_url() + P + path, data=data, headers=headers, timeout=30
        )

    def spec(self):
        return self.url_open(f"{P}/openapi.json").json()

    def check_schema(self, answer, path, method):
        """The answer's JSON against the schema the document gives for its status."""
        from openapi_schema_validator import OAS31Validator
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        spec = self.spec()
        operation = spec["paths"][path][method]
        documented = operation["responses"][str(answer.status_code)]
        schema = documented["content"]["application/json"]["schema"]
        registry = Registry().with_resource("urn:spec", DRAFT202012.create_resource(spec))
        ref = schema.get("$ref", "").replace("#/", "urn:spec#/")
        OAS31Validator({"$ref": ref} if ref else schema, registry=registry).validate(answer.json())

    def audit_actions(self, record):
        return self.env["tax.gateway.audit"].search_count(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("action", "=", "api_call"),
            ]
        )

    # ------------------------------------------------------------------ the document
    def test_the_openapi_document_is_valid_and_lists_every_route(self):
        from openapi_spec_validator import validate

        spec = self.spec()
        validate(spec)
        self.assertEqual(spec["openapi"], "3.1.0")
        routes = {
            rule.rule.replace("<int:", "{").replace("<string:", "{").replace(">", "}")
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if rule.rule.startswith(P)
        }
        documented = {P + path for path in spec["paths"]}
        self.assertEqual(routes, documented)
        kinds = spec["components"]["schemas"]["IssueRequest"]["properties"]["kind"]["enum"]
        self.assertEqual(kinds, [k for k, _l in self.env["tax.fapiao"]._fields["kind"].selection])

    # ------------------------------------------------------------------ end to end
    def test_an_order_system_issues_follows_and_reverses_a_fapiao(self):
        move = self.make_invoice()
        headers = {"Idempotency-Key": "order-4711-fapiao"}
        answer = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer", {}, headers)
        self.assertEqual(answer.status_code, 202, answer.text)
        self.check_schema(answer, "/invoices/{invoice_id}/fapiao", "post")
        (first,) = answer.json()["fapiao"]
        self.assertEqual(first["state"], "to_issue")
        fapiao = self.env["tax.fapiao"].browse(first["id"])
        self.assertEqual(fapiao.submitted_by_id, self.issuer)
        # the same request again: the first answer, never a second fapiao
        again = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer", {}, headers)
        self.assertEqual((again.status_code, again.json()), (202, answer.json()))
        # without the key, a second request answers the fapiao already there
        plain = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer")
        self.assertEqual(plain.status_code, 202)
        self.assertEqual([f["id"] for f in plain.json()["fapiao"]], [fapiao.id])
        self.assertEqual(len(move.fapiao_ids), 1)
        # the same key for another request is refused
        other = self.make_invoice()
        reused = self.call("POST", f"/invoices/{other.id}/fapiao", "api_issuer", {}, headers)
        self.assertEqual(reused.status_code, 422)
        self.assertEqual(reused.json()["code"], "idempotency_mismatch")
        self.assertFalse(other.fapiao_ids)

        run_queued_jobs(self.env, fapiao)
        self.assertEqual(fapiao.state, "issued")
        got = self.call("GET", f"/fapiao/{fapiao.id}", "api_issuer")
        self.assertEqual(got.status_code, 200)
        self.check_schema(got, "/fapiao/{fapiao_id}", "get")
        body = got.json()
        self.assertEqual((body["number"], body["state"]), (fapiao.number, "issued"))
        self.assertEqual(body["amount_total"], "1362.50")
        self.assertEqual(body["buyer"]["tax_id"], self.buyer.vat)
        self.assertEqual(body["documents"], ["pdf", "xml"])
        pdf = self.call("GET", f"/fapiao/{fapiao.id}/documents/pdf", "api_issuer")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        xml = self.call("GET", f"/fapiao/{fapiao.id}/documents/xml", "api_issuer")
        self.assertIn(fapiao.number.encode(), xml.content)
        none = self.call("GET", f"/fapiao/{fapiao.id}/documents/ofd", "api_issuer")
        self.assertEqual(none.status_code, 404)
        self.assertEqual(none.json()["code"], "not_found")

        listed = self.call("GET", f"/fapiao?invoice_id={move.id}&state=issued", "api_issuer")
        self.assertEqual(listed.status_code, 200)
        self.check_schema(listed, "/fapiao", "get")
        self.assertEqual([f["id"] for f in listed.json()["items"]], [fapiao.id])
        later = self.call("GET", "/fapiao?updated_since=2999-01-01T00:00:00Z", "api_issuer")
        self.assertEqual(later.json(), {"items": [], "total": 0, "next_offset": None})

        # a red letter of half the line: managers only
        line = fapiao.line_ids
        red = {"reason": "04", "lines": [{"line_id": line.id, "amount": "625.00"}]}
        refused = self.call("POST", f"/fapiao/{fapiao.id}/red-letter", "api_issuer", red)
        self.assertEqual((refused.status_code, refused.json()["code"]), (403, "forbidden"))
        self.assertIn("数电票管理员", refused.json()["message"])  # the issuer reads zh_CN
        self.assertFalse(self.env["tax.red.form"].search([("fapiao_id", "=", fapiao.id)]))
        key = {"Idempotency-Key": "rma-88-red"}
        made = self.call("POST", f"/fapiao/{fapiao.id}/red-letter", "api_manager", red, key)
        self.assertEqual(made.status_code, 202, made.text)
        self.check_schema(made, "/fapiao/{fapiao_id}/red-letter", "post")
        form = self.env["tax.red.form"].browse(made.json()["id"])
        self.assertEqual(form.state, "applying")
        self.assertEqual((form.amount_untaxed, form.amount_tax), (625.0, 56.25))
        self.assertEqual(made.json()["amount_total"], "681.25")
        repeat = self.call("POST", f"/fapiao/{fapiao.id}/red-letter", "api_manager", red, key)
        self.assertEqual(repeat.json(), made.json())
        self.assertEqual(self.env["tax.red.form"].search_count([("fapiao_id", "=", fapiao.id)]), 1)
        # more than is left is refused by the fapiao rules, in a JSON error
        too_much = {"reason": "04", "lines": [{"line_id": line.id, "amount": "700.00"}]}
        over = self.call("POST", f"/fapiao/{fapiao.id}/red-letter", "api_manager", too_much)
        self.assertEqual(over.status_code, 422)
        self.assertEqual(over.json()["code"], "refused")
        self.assertIn("never exceed", over.json()["message"])
        self.check_schema(over, "/fapiao/{fapiao_id}/red-letter", "post")
        # every call is in the audit trail, on its record
        calls = self.env["tax.gateway.audit"].search_count([("action", "=", "api_call")])
        self.assertEqual(calls, 14)
        self.assertEqual(self.audit_actions(move), 2)  # the two that issued
        # all but the list and the replayed answer, on the fapiao, refusals included
        self.assertEqual(self.audit_actions(fapiao), 7)

    # ------------------------------------------------------------------ refusals
    @mute_logger("odoo.addons.tax_gateway.controllers.api")
    def test_without_a_valid_key_nothing_is_answered(self):
        move = self.make_invoice()
        for key in (None, "not-a-key"):
            answer = self.call("POST", f"/invoices/{move.id}/fapiao", key=key)
            self.assertEqual(answer.status_code, 401)
            self.assertEqual(answer.json()["code"], "unauthorized")
            self.assertIn("Bearer", answer.headers["WWW-Authenticate"])
            # zh_CN when no user is known
            self.assertIn("API", answer.json()["message"])
            self.assertNotIn("A valid API key", answer.json()["message"])
        self.assertFalse(move.fapiao_ids)
        # a session cookie is no API key
        self.authenticate("api_issuer", "api_issuer")
        answer = self.url_open(f"{P}/fapiao/1")
        self.assertEqual(answer.status_code, 401)

    def test_rights_and_companies_of_the_key_s_user_apply(self):
        move = self.make_invoice()
        # a billing clerk without fapiao rights sees no fapiao and issues none
        answer = self.call("POST", f"/invoices/{move.id}/fapiao", "api_billing")
        self.assertIn(answer.status_code, (403, 422))
        self.assertFalse(move.fapiao_ids)
        # another company's invoice does not exist for this key
        other = self.setup_other_company(name="别家公司")["company"]
        foreign = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": other.id,
                "partner_id": self.buyer.id,
                "invoice_line_ids": [Command.create({"name": "苹果", "price_unit": 10.0})],
            }
        )
        foreign.action_post()
        answer = self.call("POST", f"/invoices/{foreign.id}/fapiao", "api_issuer_en")
        self.assertEqual(answer.status_code, 404)
        self.assertEqual(
            answer.json()["message"], f"No customer invoice {foreign.id} for this API key's user."
        )
        self.check_schema(answer, "/invoices/{invoice_id}/fapiao", "post")
        # errors are in the key user's language
        zh = self.call("GET", "/fapiao/999999", "api_issuer")
        self.assertEqual(zh.status_code, 404)
        self.assertNotIn("No fapiao", zh.json()["message"])
        self.assertIn("999999", zh.json()["message"])

    def test_bad_requests_are_read_clearly_and_change_nothing(self):
        move = self.make_invoice()
        cases = [
            (b"{not json", "invalid_json"),
            ({"kind": "99"}, "invalid_kind"),
            ({"colour": "red"}, "invalid_field"),
        ]
        for body, code in cases:
            answer = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer_en", body)
            self.assertEqual((answer.status_code, answer.json()["code"]), (400, code), body)
            self.check_schema(answer, "/invoices/{invoice_id}/fapiao", "post")
        self.assertFalse(move.fapiao_ids)
        bad = self.call("GET", "/fapiao?limit=abc", "api_issuer_en")
        self.assertEqual((bad.status_code, bad.json()["code"]), (400, "invalid_field"))
        bad = self.call("GET", "/fapiao?state=lost", "api_issuer_en")
        self.assertEqual((bad.status_code, bad.json()["code"]), (400, "invalid_state"))
        key = {"Idempotency-Key": "x"}
        bad = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer_en", {}, key)
        self.assertEqual(bad.json()["code"], "invalid_idempotency_key")
        # a kind chosen by the caller is kept
        ok = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer_en", {"kind": "82"})
        self.assertEqual(ok.status_code, 202)
        self.assertEqual(ok.json()["fapiao"][0]["kind"], "82")

    def test_a_red_letter_refusal_rolls_back_the_form(self):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        # not issued: the rules refuse, and no form is left behind
        answer = self.call(
            "POST", f"/fapiao/{fapiao.id}/red-letter", "api_manager", {"reason": "01"}
        )
        self.assertEqual(answer.status_code, 422, answer.text)
        self.assertFalse(self.env["tax.red.form"].search([("fapiao_id", "=", fapiao.id)]))
        bad = self.call("POST", f"/fapiao/{fapiao.id}/red-letter", "api_manager", {"reason": "09"})
        self.assertEqual(bad.json()["code"], "invalid_reason")

    def test_address_allow_list_and_rate_limit(self):
        move = self.make_invoice()
        self.company.fapiao_api_allowed_ips = "10.20.0.0/16"
        answer = self.call("POST", f"/invoices/{move.id}/fapiao", "api_issuer_en")
        self.assertEqual(answer.status_code, 403)
        self.assertEqual(answer.json()["code"], "address_not_allowed")
        self.assertIn("127.0.0.1", answer.json()["message"])
        self.assertFalse(move.fapiao_ids)
        listed = self.call("GET", "/fapiao", "api_issuer_en")
        self.assertEqual(listed.status_code, 403)
        self.company.fapiao_api_allowed_ips = "127.0.0.1, 10.20.0.0/16"
        self.assertEqual(self.call("GET", "/fapiao", "api_issuer_en").status_code, 200)

        self.company.fapiao_api_rate = 3
        fresh = (
            self.env["res.users.apikeys"]
            .with_user(self.issuer_en)
            .sudo()
            ._generate(None, "r", None)
        )
        statuses = [self.call("GET", "/fapiao", key=fresh).status_code for _i in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        limited = self.call("GET", "/fapiao", key=fresh)
        self.assertEqual(limited.json()["code"], "rate_limited")
        self.assertGreaterEqual(int(limited.headers["Retry-After"]), 1)
        self.check_schema(limited, "/fapiao", "get")
        # another key of the same user has its own bucket
        self.assertEqual(self.call("GET", "/fapiao", "api_issuer_en").status_code, 200)
        self.company.write({"fapiao_api_rate": 120, "fapiao_api_allowed_ips": False})

    def test_pages(self):
        moves = [self.make_invoice() for _i in range(3)]
        for move in moves:
            move.action_prepare_fapiao()
        first = self.call("GET", "/fapiao?limit=2", "api_issuer_en").json()
        self.assertEqual((len(first["items"]), first["total"], first["next_offset"]), (2, 3, 2))
        rest = self.call("GET", "/fapiao?limit=2&offset=2", "api_issuer_en").json()
        self.assertEqual((len(rest["items"]), rest["next_offset"]), (1, None))
        ids = {f["id"] for f in first["items"] + rest["items"]}
        self.assertEqual(ids, set(self.env["tax.fapiao"].search([]).ids))
        self.assertTrue(all(f["state"] == "draft" for f in first["items"]))
