import os
import tempfile

from fapiao_core import nuonuo
from fapiao_core.crypto import new_key_line
from fapiao_core.masking import mask

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from .common import FapiaoCommon, RpcAdversaryMixin, WebClientMixin

ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"
ACCOUNT = "6222020200112233445"


@tagged("post_install", "-at_install")
class TestPersonalData(FapiaoCommon):
    def make_person(self):
        return self.env["res.partner"].create(
            {
                "name": "李四",
                "fapiao_natural_person": True,
                "fapiao_id_number": ID_NUMBER,
                "fapiao_phone": PHONE,
                "fapiao_bank_account": ACCOUNT,
                "fapiao_address_phone": "北京市海淀区中关村大街1号 13800138000",
            }
        )

    def raw_row(self, table, record_id):
        """The row as PostgreSQL stores it (what pg_dump would write)."""
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT row_to_json(t)::text FROM {table} t WHERE id = %s",  # noqa: S608 (fixed names)
            [record_id],
        )
        return self.env.cr.fetchone()[0]

    def test_nothing_in_clear_in_the_database(self):
        person = self.make_person()
        row = self.raw_row("res_partner", person.id)
        for secret in (ID_NUMBER, PHONE, ACCOUNT, "中关村"):
            self.assertNotIn(secret, row)
        person.invalidate_recordset()
        self.assertEqual(person.fapiao_id_number, ID_NUMBER)
        self.assertEqual(person.fapiao_bank_account, ACCOUNT)
        move = self.make_invoice(partner=person)
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        self.assertEqual(fapiao.buyer_tax_id, ID_NUMBER)
        row = self.raw_row("tax_fapiao", fapiao.id)
        for secret in (ID_NUMBER, ACCOUNT, "中关村"):
            self.assertNotIn(secret, row)

    def test_exact_match_search(self):
        person = self.make_person()
        partners = self.env["res.partner"]
        self.assertEqual(partners.search([("fapiao_id_number", "=", ID_NUMBER.lower())]), person)
        self.assertEqual(partners.search([("fapiao_phone", "=", PHONE)]), person)
        self.assertFalse(partners.search([("fapiao_id_number", "=", "110105194912310011")]))
        with self.assertRaises(UserError):
            partners.search([("fapiao_id_number", "ilike", "1101")])
        fapiao = self.env["tax.fapiao"].browse(
            self.make_invoice(partner=person).action_prepare_fapiao()["res_id"]
        )
        self.assertEqual(self.env["tax.fapiao"].search([("buyer_tax_id", "=", ID_NUMBER)]), fapiao)

    def test_invalid_id_number_refused_and_nothing_stored(self):
        with self.assertRaisesRegex(ValidationError, "check digit"):
            with self.env.cr.savepoint():
                self.env["res.partner"].create(
                    {
                        "name": "王五",
                        "fapiao_natural_person": True,
                        "fapiao_id_number": "110105194912310021",
                    }
                )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "王五")]))

    def test_key_rotation(self):
        person = self.make_person()
        old_file = config["fapiao_key_file"]
        with open(old_file, encoding="ascii") as handle:
            old_lines = handle.read()
        new_line = new_key_line("rotated")
        with tempfile.NamedTemporaryFile("w", suffix=".key", delete=False) as handle:
            handle.write(new_line + "\n" + old_lines)
        self.addCleanup(os.unlink, handle.name)
        self.patch(config, "options", dict(config.options, fapiao_key_file=handle.name))
        rewritten = self.env["tax.gateway.encrypted.mixin"]._rotate_all_keys()
        self.assertGreaterEqual(rewritten, 4)
        self.assertTrue(person.fapiao_id_number_enc.startswith("enc1:rotated:"))
        person.invalidate_recordset()
        self.assertEqual(person.fapiao_id_number, ID_NUMBER)
        self.assertEqual(
            self.env["res.partner"].search([("fapiao_id_number", "=", ID_NUMBER)]), person
        )
        self.assertEqual(self.env["tax.gateway.encrypted.mixin"]._rotate_all_keys(), 0)

    def test_without_a_key_nothing_is_stored(self):
        self.patch(config, "options", dict(config.options, fapiao_key_file="", fapiao_key_env=""))
        with self.assertRaisesRegex(UserError, "no encryption key"):
            self.env["res.partner"].create({"name": "赵六", "fapiao_phone": PHONE})


@tagged("post_install", "-at_install")
class TestRpcPersonalDataMasked(RpcAdversaryMixin, WebClientMixin, FapiaoCommon, HttpCase):
    """A natural person's ID number, phone, address and bank account read in clear only for
    issuers and managers; every other role reads them masked, over every RPC path."""

    FIELDS = ["fapiao_id_number", "fapiao_phone", "fapiao_bank_account", "fapiao_address_phone"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        export = cls.env.ref("base.group_allow_export")
        for user in cls.role_users.values():
            user.groups_id = [Command.link(export.id)]
        # a billing clerk who keeps the customers' data up to date
        cls.role_users["billing"].groups_id = [
            Command.link(cls.env.ref("base.group_partner_manager").id)
        ]

    def setUp(self):
        super().setUp()
        self.person = TestPersonalData.make_person(self)
        self.company_buyer = self.env["res.partner"].create(
            {
                "name": "上海果品贸易有限公司",
                "is_company": True,
                "vat": "91310000MA1FL0001R",
                "fapiao_bank_account": "招商银行上海分行 121900000000001",
            }
        )

    def read_as(self, role, record, names):
        rows, error = self.rpc(role, record._name, "read", record.ids, names)
        self.assertIsNone(error)
        return {name: rows[0][name] for name in names}

    def test_roles_without_the_right_read_masked_values_everywhere(self):
        clear = {
            "fapiao_id_number": ID_NUMBER,
            "fapiao_phone": PHONE,
            "fapiao_bank_account": ACCOUNT,
        }
        for role in ("salesman", "billing", "fapiao_user"):
            values = self.read_as(role, self.person, self.FIELDS)
            self.assertEqual(values["fapiao_id_number"], mask(ID_NUMBER), role)
            self.assertEqual(values["fapiao_phone"], "138****8000", role)
            self.assertEqual(values["fapiao_bank_account"], mask(ACCOUNT), role)
            for name, value in clear.items():
                self.assertNotIn(value, str(values), f"{role} {name}")
            # search_read, web_read, onchange and export_data say the same
            rows, _error = self.rpc(
                role, "res.partner", "search_read", [("id", "=", self.person.id)], self.FIELDS
            )
            self.assertEqual(rows[0]["fapiao_id_number"], mask(ID_NUMBER))
            rows, _error = self.rpc(
                role,
                "res.partner",
                "web_read",
                self.person.ids,
                specification={name: {} for name in self.FIELDS},
            )
            self.assertEqual(rows[0]["fapiao_id_number"], mask(ID_NUMBER))
            changed, _error = self.rpc(
                role,
                "res.partner",
                "onchange",
                self.person.ids,
                {"fapiao_title": "李四个人"},
                ["fapiao_title"],
                {name: {} for name in [*self.FIELDS, "fapiao_title"]},
            )
            self.assertNotIn(ID_NUMBER, str(changed))
            exported, _error = self.rpc(
                role, "res.partner", "export_data", self.person.ids, ["name", "fapiao_id_number"]
            )
            self.assertEqual(exported["datas"], [["李四", mask(ID_NUMBER)]])
        for role in ("issuer", "manager"):
            values = self.read_as(role, self.person, self.FIELDS)
            self.assertEqual(values["fapiao_id_number"], ID_NUMBER, role)
            self.assertEqual(values["fapiao_bank_account"], ACCOUNT, role)
        # company data is not personal data: a company's bank account reads in clear
        values = self.read_as("fapiao_user", self.company_buyer, ["fapiao_bank_account"])
        self.assertEqual(values["fapiao_bank_account"], "招商银行上海分行 121900000000001")
        # nor does any role without the right read it through the partner's fields on a fapiao
        fapiao = self.env["tax.fapiao"].browse(
            self.make_invoice(partner=self.person).action_prepare_fapiao()["res_id"]
        )
        values = self.read_as("fapiao_user", fapiao, ["buyer_tax_id", "buyer_bank_account"])
        self.assertEqual(
            values, {"buyer_tax_id": mask(ID_NUMBER), "buyer_bank_account": mask(ACCOUNT)}
        )
        self.assertEqual(
            self.read_as("issuer", fapiao, ["buyer_tax_id"])["buyer_tax_id"], ID_NUMBER
        )

    def test_a_masked_value_written_back_changes_nothing_a_new_one_is_stored(self):
        _result, error = self.rpc(
            "billing",
            "res.partner",
            "write",
            self.person.ids,
            {"fapiao_id_number": mask(ID_NUMBER), "fapiao_bank_account": mask(ACCOUNT)},
        )
        self.assertIsNone(error)
        self.person.invalidate_recordset()
        self.assertEqual(self.person.fapiao_id_number, ID_NUMBER)
        self.assertEqual(self.person.fapiao_bank_account, ACCOUNT)
        # a billing clerk may type a new value (and never reads it back in clear)
        _result, error = self.rpc(
            "billing", "res.partner", "write", self.person.ids, {"fapiao_phone": "13900139000"}
        )
        self.assertIsNone(error)
        self.person.invalidate_recordset()
        self.assertEqual(self.person.fapiao_phone, "13900139000")
        self.assertEqual(
            self.read_as("billing", self.person, ["fapiao_phone"]), {"fapiao_phone": "139****9000"}
        )

    def test_a_fapiao_prepared_by_a_user_without_the_right_carries_the_clear_values(self):
        """What goes to the platform is the person's real data, whoever prepared the fapiao."""
        user = self.role_users["fapiao_user"]
        move = self.make_invoice(partner=self.person)
        fapiao = self.env["tax.fapiao"].browse(
            move.with_user(user).action_prepare_fapiao()["res_id"]
        )
        fapiao.invalidate_recordset()  # what the user reads next, in a request of its own
        self.assertEqual(fapiao.with_user(user).buyer_tax_id, mask(ID_NUMBER))
        self.assertEqual(nuonuo.order_of(fapiao._platform_request())["buyerTaxNum"], ID_NUMBER)
        copy = fapiao.with_user(user).copy()
        self.assertEqual(copy._personal_clear("buyer_tax_id"), ID_NUMBER)
        self.assertEqual(nuonuo.order_of(copy._platform_request())["buyerAccount"], ACCOUNT)

    def test_exports_of_personal_data_are_audited(self):
        audit = self.env["tax.gateway.audit"]
        before = audit.search_count([("action", "=", "personal_data_export")])
        self.rpc("billing", "res.partner", "export_data", self.person.ids, ["name"])
        self.assertEqual(audit.search_count([("action", "=", "personal_data_export")]), before)
        self.rpc("manager", "res.partner", "export_data", self.person.ids, ["fapiao_phone"])
        move = self.make_invoice(partner=self.person)
        self.rpc(
            "manager",
            "account.move",
            "export_data",
            move.ids,
            ["name", "partner_id/fapiao_id_number"],
        )
        entries = audit.search([("action", "=", "personal_data_export")], order="id desc", limit=2)
        self.assertEqual(len(entries), 2)
        self.assertEqual(entries.user_id, self.role_users["manager"])
        self.assertIn("account.move x1: partner_id/fapiao_id_number", entries[0].detail)
        self.assertIn("res.partner x1: fapiao_phone", entries[1].detail)

    def test_a_person_gets_a_copy_of_their_data_from_a_manager_after_the_password(self):
        """GB/T 35273 access right: one file, managers only, after the password, audited."""
        fapiao = self.env["tax.fapiao"].browse(
            self.make_invoice(partner=self.person).action_prepare_fapiao()["res_id"]
        )
        self.env.flush_all()  # what a committed transaction would show the request
        url = f"/tax_gateway/personal_data/{self.person.id}"
        # the URL alone: refused for every role until the password was given again
        for role in ("fapiao_user", "issuer", "manager"):
            self.authenticate(f"rpc_{role}", f"rpc_{role}")
            self.assertEqual(self.url_open(url).status_code, 403, role)
        self.assertRefused(
            self.rpc("issuer", "res.partner", "action_fapiao_personal_data", self.person.ids),
            "Only a Fapiao Manager",
        )
        self.authenticate(self.manager.login, self.manager.login)
        action = self.click(self.person, "action_fapiao_personal_data")
        self.assertEqual(action["res_model"], "res.users.identitycheck")
        action = self.answer(action["res_id"], self.manager.login)
        self.assertEqual(action["url"], url)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        document = response.json()
        self.assertEqual(document["subject"]["id_number"], ID_NUMBER)
        self.assertEqual(document["subject"]["mobile"], PHONE)
        self.assertEqual([f["buyer_tax_id"] for f in document["fapiao"]], [ID_NUMBER])
        self.assertEqual(document["fapiao"][0]["amount_total"], str(fapiao.amount_total))
        entry = self.env["tax.gateway.audit"].search(
            [("action", "=", "personal_data_access")], order="id desc", limit=1
        )
        self.assertEqual((entry.res_model, entry.res_id), ("res.partner", self.person.id))
        self.assertEqual(entry.user_id, self.manager)
