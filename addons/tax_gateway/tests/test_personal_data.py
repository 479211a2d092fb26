import os
import tempfile

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import config

from ..tg_core.crypto import new_key_line
from .common import FapiaoCommon

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
