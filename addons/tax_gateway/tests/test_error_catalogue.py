"""The error catalogue and the error table (fapiao_core.errors) tell one story: every code the
table knows has its text in the user's language, the catalogue shows what really happens, and
the request log counts each dialect's success as a success."""

from fapiao_core import errors

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestErrorCatalogue(TransactionCase):
    def test_the_catalogue_lists_exactly_the_tables_codes(self):
        Error = self.env["tax.gateway.error"]
        listed = {(entry.dialect, entry.code) for entry in Error.search([])}
        self.assertEqual(listed, errors.codes())

    def test_every_code_reads_in_chinese(self):
        self.env.ref("base.lang_zh_CN").active = True
        Error = self.env["tax.gateway.error"].with_context(lang="zh_CN")
        english = self.env["tax.gateway.error"].with_context(lang="en_US")
        for entry in Error.search([]):
            original = english.browse(entry.id)
            self.assertNotEqual(entry.name, original.name, (entry.dialect, entry.code))
            if original.action:
                self.assertNotEqual(entry.action, original.action, (entry.dialect, entry.code))

    def test_the_catalogue_shows_what_the_connector_does(self):
        Error = self.env["tax.gateway.error"]
        seal = Error.search([("dialect", "=", "nuonuo"), ("code", "=", "24")])
        busy = Error.search([("dialect", "=", "nuonuo"), ("code", "=", "E9999")])
        content = Error.search([("dialect", "=", "baiwang"), ("code", "=", "70170")])
        self.assertEqual(seal.policy, errors.REISSUE)  # not "retried automatically"
        self.assertEqual(busy.policy, errors.RETRY)
        self.assertEqual(content.policy, errors.NEW_KEY)
        labels = dict(Error._fields["policy"].selection)
        self.assertIn("Retried automatically", labels[errors.RETRY])
        self.assertNotIn("automatically", labels[errors.REISSUE])

    def test_a_code_reads_as_its_dialect_says(self):
        Error = self.env["tax.gateway.error"]
        nuonuo = Error._describe("070308", "", "nuonuo")
        self.assertIn("[070308]", nuonuo)
        # a code both platforms use is read in the words of the one that answered it
        self.assertEqual(Error._entry("070308", "baiwang").dialect, "baiwang")
        self.assertEqual(Error._entry("070308", "nuonuo").dialect, "nuonuo")
        self.assertEqual(Error._entry("TIMEOUT", "baiwang").dialect, "any")
        # a code only one dialect has is found whatever the caller knows of the dialect
        self.assertIn("Seal failed", Error._describe("24", "", None))
        self.assertEqual(Error._describe("X-UNKNOWN", "detail"), "[X-UNKNOWN] detail")

    def test_each_dialects_success_counts_as_success(self):
        Log = self.env["tax.gateway.request.log"].sudo()  # reason: the log is the system's
        rows = Log.create(
            [
                {"dialect": "baiwang", "code": "OK", "http_status": 200, "method": "issue"},
                {"dialect": "nuonuo", "code": "E0000", "http_status": 200, "method": "issue"},
                {"dialect": "nuonuo", "code": "E9999", "http_status": 200, "method": "issue"},
                {"dialect": "baiwang", "code": "70170", "http_status": 200, "method": "issue"},
            ]
        )
        self.assertEqual(
            [(row.success, row.platform_failure) for row in rows],
            [(True, False), (True, False), (False, True), (False, False)],
        )
