import functools
import json
import pathlib
import sys
import tempfile

import polib
from fapiao_core import platform

from odoo import Command
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import mute_logger
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..models.tax_gateway_demo import pending_jobs, run_queued_jobs  # noqa: F401  (for the tests)


class I18nCompleteCase(TransactionCase):
    """Fails when a user-facing term of ``module`` has no zh_CN translation in i18n/zh_CN.po.

    Terms come from Odoo's own exporter (the same one behind ``--i18n-export``): field labels,
    selections, help texts, views, menus, data records and the Python/JS strings marked with _().
    Refresh the file with ``make i18n`` and translate the new entries.
    """

    module = None
    allow_inherited_tests_method = True  # Odoo's loader skips inherited test methods otherwise

    def test_zh_cn_complete(self):
        po_path = pathlib.Path(get_module_path(self.module)) / "i18n" / "zh_CN.po"
        self.assertTrue(po_path.exists(), f"{po_path} is missing")
        translated = {
            entry.msgid
            for entry in polib.pofile(str(po_path))
            if entry.msgstr and not entry.obsolete
        }
        terms = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in TranslationModuleReader(
                self.env.cr, modules=[self.module]
            )
            if module == self.module and source and source.strip()
        }
        missing = sorted(terms - translated)
        self.assertFalse(
            missing,
            f"{len(missing)} term(s) of {self.module} without zh_CN translation "
            f"(run `make i18n`, then translate): {missing[:15]}",
        )


class SandboxRequestsMixin:
    """For test cases that talk to the sandbox platform with the connector's client."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's test harness routes every requests call through this handler (it lets
        # 127.0.0.1 through and blocks the rest) but compares ``timeout`` with an int, which
        # breaks on requests' (connect, read) tuples: hand it the larger of the two.
        if isinstance(kw.get("timeout"), tuple):
            kw["timeout"] = max(kw["timeout"])
        return super()._request_handler(s, r, **kw)


class FapiaoCommon(SandboxRequestsMixin, AccountTestInvoicingCommon):
    """A Chinese company on the `cn` chart, a fapiao issuer, a buyer with a valid USCC and
    products carrying tax classification codes. Shared by the trade add-ons' tests."""

    SELLER_USCC = "91110000600037341L"
    # the platform's dialect the company issues through (a suite runs for each: see
    # ``for_each_dialect``)
    dialect = "nuonuo"
    # the code of the bureau's refusal of a fapiao the sandbox is told to refuse, per dialect
    # (Nuonuo's status 22 开票失败; Baiwang's fail entry: the sandbox's own code [U])
    BUREAU_REFUSALS = {"nuonuo": "22", "baiwang": "70171"}

    @property
    def BUREAU_REFUSAL(self):  # noqa: N802 (a constant of the dialect)
        return self.BUREAU_REFUSALS[self.dialect]

    @classmethod
    def start_sandbox(cls, sandbox_args=(), **provider_values):
        """The sandbox platform in its own process (stopped after the class) and the company's
        provider on it, as ``cls.sandbox`` and ``cls.provider``."""
        from ..sandbox.testing import SandboxProcess

        # as the platform is: no /health, tokens on a host of their own
        cls.sandbox = SandboxProcess(
            tempfile.mkdtemp(prefix="fapiao-sandbox-"), extra=sandbox_args, platform_like=True
        ).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.provider = cls.env["tax.gateway.provider"].create(
            {
                "name": "Sandbox",
                "company_id": cls.company.id,
                "dialect": cls.dialect,
                "environment": "test",
                "base_url": cls.sandbox.url,
                # Baiwang asks its tokens of its one router
                "token_url": cls.sandbox.token_url if cls.dialect == "nuonuo" else False,
                "vehicle_type_code": "83" if cls.dialect == "baiwang" else False,
                "ca_bundle": cls.sandbox.ca,
                "document_cert_path": cls.sandbox.signing_key,
                "app_key": cls.sandbox.APP_KEY,
                "app_secret": cls.sandbox.APP_SECRET,
                "read_timeout": 3.0,
                "poll_interval": 1,
                **provider_values,
            }
        )
        return cls.provider

    @classmethod
    @AccountTestInvoicingCommon.setup_chart_template("cn")
    def setUpClass(cls):
        super().setUpClass()
        # messages are asserted in English here; test_i18n_messages checks the Chinese ones
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "vat": cls.SELLER_USCC,
                "fapiao_bank_account": "中国工商银行北京分行 0200001234567890123",
                "fapiao_address_phone": "北京市朝阳区建国路1号 010-88888888",
            }
        )
        cls.cn_tax = (
            lambda xmlid: cls.env["account.chart.template"].with_company(cls.company).ref(xmlid)
        )
        cls.tax_9 = cls.cn_tax("l10n_cn_sales_excluded_9")
        cls.tax_13 = cls.cn_tax("l10n_cn_sales_excluded_13")
        codes = cls.env["tax.classification"]
        cls.code_apple = codes.search([("code", "=", "1010115010100000000")])
        cls.code_car = codes.search([("code", "=", "1090305010300000000")])
        cls.product_apple = cls._create_product(
            name="富士苹果",
            lst_price=12.5,
            taxes_id=[Command.set(cls.tax_9.ids)],
            tax_classification_id=cls.code_apple.id,
            fapiao_spec="一级 80mm",
        )
        cls.product_car = cls._create_product(
            name="轿车 1.8L",
            lst_price=150000.0,
            taxes_id=[Command.set(cls.tax_13.ids)],
            tax_classification_id=cls.code_car.id,
        )
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "上海果品贸易有限公司",
                "is_company": True,
                "country_id": cls.env.ref("base.cn").id,
                "vat": cls.make_uscc("91310000MA1FL0001"),
                "fapiao_address_phone": "上海市黄浦区中山东一路1号 021-66666666",
                "fapiao_bank_account": "招商银行上海分行 121900000000001",
                "fapiao_kind": "81",
            }
        )
        cls.env.user.groups_id |= cls.env.ref("tax_gateway.group_fapiao_manager")

    @staticmethod
    def make_uscc(first17):
        from fapiao_core.validators import uscc_check_char

        return first17 + uscc_check_char(first17)

    def make_invoice(self, lines=None, partner=None, post=True):
        lines = lines or [(self.product_apple, 100.0, 12.5)]
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.buyer).id,
                "invoice_date": "2026-11-20",
                "company_id": self.company.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": p.id,
                            "quantity": q,
                            "price_unit": price,
                            "tax_ids": [Command.set(p.taxes_id.ids)],
                        }
                    )
                    for p, q, price in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move


def only_for(*dialects, reason):
    """A test of what only ``dialects`` offer: skipped, with ``reason``, in a suite run for
    another platform."""

    def decorate(test):
        @functools.wraps(test)
        def run(self, *args, **kwargs):
            if self.dialect not in dialects:
                self.skipTest(f"{self.dialect}: {reason}")
            return test(self, *args, **kwargs)

        return run

    return decorate


def for_each_dialect(suite):
    """The same suite against every other platform's dialect: a subclass per dialect in the
    module of ``suite``, named after it (TestConnector -> TestConnectorBaiwang)."""
    module = sys.modules[suite.__module__]
    for name, _label in platform.dialect_choices():
        if name == suite.dialect:
            continue
        # through the suite's metaclass: Odoo's MetaCase names the test's module and class;
        # Odoo's loader runs inherited test methods only when told to
        variant = type(suite)(
            f"{suite.__name__}{name.title()}",
            (suite,),
            {
                "dialect": name,
                "__module__": suite.__module__,
                "allow_inherited_tests_method": True,
            },
        )
        setattr(module, variant.__name__, variant)
    return suite


class WebClientMixin:
    """For HttpCase tests: what the web client sends (buttons, form saves, Odoo's identity check
    dialog) as a Fapiao Manager, ``cls.manager`` (login = password)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "财务经理",
                "login": "fapiao_manager_idc",
                "password": "fapiao_manager_idc",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("tax_gateway.group_fapiao_manager").id,
                            cls.env.ref("account.group_account_manager").id,
                        ]
                    )
                ],
            }
        )

    def click(self, record, method):
        """What the web client sends when a button is clicked."""
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": record._name,
                "method": method,
                "args": [record.ids],
                "kwargs": {"context": {"allowed_company_ids": self.company.ids}},
            },
        )

    def answer(self, wizard_id, password, code=None):
        """The identity check dialog: the password (and the authenticator code, 二次验证)."""
        values = {"password": password}
        if code is not None:
            values["fapiao_totp_code"] = code
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.users.identitycheck/write",
            {
                "model": "res.users.identitycheck",
                "method": "write",
                "args": [[wizard_id], values],
                "kwargs": {},
            },
        )
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "res.users.identitycheck",
                "method": "run_check",
                "args": [[wizard_id]],
                "kwargs": {},
            },
        )

    def save(self, record, values, model=None):
        """The form's Save button: web_save on the record (a new one when ``record`` is None)."""
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model or record._name}/web_save",
            {
                "model": model or record._name,
                "method": "web_save",
                "args": [record.ids if record else [], values],
                "kwargs": {
                    "specification": {"id": {}},
                    "context": {"allowed_company_ids": self.company.ids},
                },
            },
        )


def queued_methods(env, records):
    return pending_jobs(env, records).mapped("method_name")


ROLES = {
    # role: groups (comma separated xml ids)
    "fapiao_user": "tax_gateway.group_fapiao_user",
    "issuer": "tax_gateway.group_fapiao_issuer",
    "manager": "tax_gateway.group_fapiao_manager",
    "salesman": "sales_team.group_sale_salesman",
    "billing": "account.group_account_invoice",
    "portal": "base.group_portal",
}


def new_role_user(env, login, company, groups="tax_gateway.group_fapiao_issuer", **values):
    """A user of ``company`` only with ``groups`` (a 开票员 by default), password = login."""
    return new_test_user(
        env,
        login=login,
        password=login,
        groups=groups,
        company_id=company.id,
        company_ids=[Command.set(company.ids)],
        **values,
    )


class RpcAdversaryMixin:
    """For HttpCase tests: what any client (a script, an integration, the browser console) can
    send over Odoo's JSON-RPC, as each role of ``ROLES`` (login = password = ``rpc_<role>``) or
    as the public (``role=None``: no session)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role_users = {
            role: new_role_user(cls.env, f"rpc_{role}", cls.company, groups, lang="en_US")
            for role, groups in ROLES.items()
        }

    def rpc(self, role, model, method, *args, **kwargs):
        """Call ``model.method(*args, **kwargs)`` over /web/dataset/call_kw as ``role``:
        returns (result, error message or None)."""
        if role:
            self.authenticate(f"rpc_{role}", f"rpc_{role}")
        else:
            self.authenticate(None, None)
        kwargs["context"] = {
            "lang": "en_US",
            "allowed_company_ids": self.company.ids,
            **kwargs.get("context", {}),
        }
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return None, f"{data.get('name')}: {data.get('message')}"
        return body["result"], None

    def assertRefused(self, outcome, pattern):
        """The call was refused with an error matching ``pattern``."""
        result, error = outcome
        self.assertIsNone(result, f"the call was not refused: {result!r}")
        self.assertRegex(error or "", pattern)
