import base64
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..models import tax_gateway_audit as audit_model
from ..models.tax_gateway_workflow import in_transition
from .common import FapiaoCommon, new_role_user, run_queued_jobs


@tagged("post_install", "-at_install")
class TestAudit(FapiaoCommon):
    def fapiao_actions(self, number="26312000000000000077"):
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        fapiao.action_submit()
        fapiao._mark_issued(number, "2026-11-20 10:00:00")
        return fapiao

    def test_every_action_is_chained(self):
        self.env["tax.gateway.audit"]._seal()  # the class set-up's own entries (its settings)
        fapiao = self.fapiao_actions()
        self.assertEqual(self.env["tax.gateway.audit"]._seal(), 2)  # after commit, or the cron
        entries = self.env["tax.gateway.audit"].search(
            [("res_model", "=", "tax.fapiao"), ("res_id", "=", fapiao.id)], order="sequence"
        )
        self.assertEqual(entries.mapped("action"), ["submit", "issued"])
        self.assertEqual(entries[0].amount, f"{fapiao.amount_total:.2f}")
        self.assertEqual(entries[0].user_id, self.env.user)
        self.assertEqual(entries[1].prev_hash, entries[0].hash)
        self.assertIsNone(self.env["tax.gateway.audit"]._verify_chain())
        action = self.env["tax.gateway.audit"].action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")

    def test_configuration_changes_resets_and_imports_are_chained(self):
        audit = self.env["tax.gateway.audit"]

        def last(action):
            return audit.search([("action", "=", action)], order="id desc", limit=1)

        provider = self.env["tax.gateway.provider"].create(
            {"name": "诺诺", "company_id": self.company.id, "base_url": "https://127.0.0.1:1"}
        )
        self.assertIn("base_url", last("config_create").detail)
        provider.write({"base_url": "https://127.0.0.1:2", "app_secret": "s3cret-value"})
        entry = last("config_change")
        self.assertEqual((entry.res_model, entry.res_id), (provider._name, provider.id))
        self.assertIn("app_secret, base_url", entry.detail)
        self.assertNotIn("s3cret", entry.detail)  # which fields, never their values
        self.company.fapiao_identity_check_amount = 5000.0
        entry = last("config_change")
        self.assertEqual((entry.res_model, entry.res_id), ("res.company", self.company.id))
        self.assertEqual(entry.detail, "fapiao_identity_check_amount")
        # a reset to draft
        move = self.make_invoice()
        fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
        with in_transition():
            fapiao.write({"state": "failed"})
        fapiao.action_reset_to_draft()
        self.assertEqual(last("reset").res_id, fapiao.id)
        # an import
        wizard = self.env["tax.buyer.import"].create(
            {"file": base64.b64encode(b"name,tax_id\n"), "filename": "buyers.csv"}
        )
        wizard._import()
        self.assertIn("buyers.csv: 0 added, 0 changed", last("import").detail)
        self.assertIsNone(audit._seal() and audit._verify_chain())

    def test_orm_cannot_edit_or_delete(self):
        self.fapiao_actions()
        entry = self.env["tax.gateway.audit"].search([], limit=1)
        with self.assertRaises(UserError):
            entry.write({"amount": "0.01"})
        with self.assertRaises(UserError):
            entry.unlink()

    def test_edited_or_deleted_entry_is_found(self):
        self.fapiao_actions("26312000000000000078")
        self.fapiao_actions("26312000000000000079")
        self.env["tax.gateway.audit"]._seal()
        entries = self.env["tax.gateway.audit"].search([], order="sequence")
        target = entries[-3]
        original = target.amount
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET amount = '0.01' WHERE id = %s", [target.id]
        )
        self.assertEqual(
            self.env["tax.gateway.audit"]._verify_chain(), (target.sequence, "content was changed")
        )
        action = self.env["tax.gateway.audit"].action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET amount = %s WHERE id = %s", [original, target.id]
        )
        self.assertIsNone(self.env["tax.gateway.audit"]._verify_chain())
        self.env.cr.execute("DELETE FROM tax_gateway_audit WHERE id = %s", [entries[-2].id])
        self.env.invalidate_all()
        self.assertEqual(self.env["tax.gateway.audit"]._verify_chain()[0], entries[-1].sequence)

    def test_the_chain_is_keyed_and_a_recomputed_hash_is_found(self):
        self.fapiao_actions("26312000000000000081")
        self.env["tax.gateway.audit"]._seal()
        entries = self.env["tax.gateway.audit"].search([], order="sequence")
        self.assertTrue(all(e.hash.startswith("h1:") for e in entries))
        # whoever writes the database recomputes the hash of the entry they changed, but
        # cannot compute the keyed one
        from fapiao_core import audit

        last = entries[-1]
        content = dict(last._content(), amount="0.01")
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET amount = '0.01', hash = %s WHERE id = %s",
            [audit.entry_hash(last.prev_hash, content), last.id],
        )
        self.env.invalidate_all()
        self.assertEqual(
            self.env["tax.gateway.audit"]._verify_chain(),
            (last.sequence, "not signed with the audit key"),
        )

    def test_a_cut_tail_is_found(self):
        self.fapiao_actions("26312000000000000082")
        self.env["tax.gateway.audit"]._seal()
        last = self.env["tax.gateway.audit"].search([], order="sequence desc", limit=1)
        sequence = last.sequence
        self.env.cr.execute("DELETE FROM tax_gateway_audit WHERE id = %s", [last.id])
        self.env.invalidate_all()
        self.assertEqual(
            self.env["tax.gateway.audit"]._verify_chain(),
            (sequence, "entries at the end of the chain were removed"),
        )

    def test_verify_chain_is_for_managers_and_retention_never_below_ten_years(self):
        clerk = new_role_user(self.env, "audit_issuer", self.company)
        with self.assertRaisesRegex(UserError, "Only a Fapiao Manager verifies"):
            self.env["tax.gateway.audit"].with_user(clerk).action_verify_chain()
        params = self.env["ir.config_parameter"].sudo()
        for years in ("0", "9", "ten"):
            with self.subTest(years=years), self.assertRaisesRegex(UserError, "at least 10 years"):
                params.set_param("tax_gateway.audit_retention_years", years)
        params.set_param("tax_gateway.audit_retention_years", "15")
        self.assertEqual(params.get_param("tax_gateway.audit_retention_years"), "15")

    def test_a_purge_drops_only_what_is_past_ten_years_and_is_itself_chained(self):
        self.fapiao_actions("26312000000000000083")
        Audit = self.env["tax.gateway.audit"]
        Audit._seal()
        # the whole chain, every company's entries (the demo's settings among them)
        entries = Audit.sudo().search([], order="sequence")
        old, recent = entries[:-1], entries[-1]
        # even a retention of 1 year slipped in by SQL is read as the legal 10
        self.env.cr.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES (%s, '1') "
            "ON CONFLICT (key) DO UPDATE SET value = '1'",
            ["tax_gateway.audit_retention_years"],
        )
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET create_date = now() - interval '5 years' WHERE id = %s",
            [recent.id],
        )
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET create_date = now() - interval '11 years'"
            " WHERE id = ANY(%s)",
            [old.ids],
        )
        self.env.registry.clear_cache()
        self.env.invalidate_all()
        Audit._cron_purge()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
        purge = Audit.search([("action", "=", "audit_purge")])
        self.assertIn(f"{len(old)} entries", purge.detail)
        # the hashes were computed with the original dates: re-seal what is new, then verify
        # from the anchor on (the edited create_date of `recent` breaks it, by design)
        Audit._seal()
        self.assertEqual(Audit._verify_chain(), (recent.sequence, "content was changed"))


@tagged("post_install", "-at_install")
class TestRequestLogRetention(TransactionCase):
    """Platform calls are kept 365 days by default, 180 at least; the daily cron purges."""

    def make_calls(self, ages):
        Log = self.env["tax.gateway.request.log"]
        rows = Log.create([{"method": f"age{age}", "duration_ms": 10.0} for age in ages])
        for row, age in zip(rows, ages, strict=True):
            self.env.cr.execute(
                "UPDATE tax_gateway_request_log SET create_date = now() - %s * interval '1 day'"
                " WHERE id = %s",
                [age, row.id],
            )
        return rows

    def test_default_and_shortest_retention(self):
        Log = self.env["tax.gateway.request.log"]
        Param = self.env["ir.config_parameter"].sudo()
        Param.search([("key", "=", "tax_gateway.request_log_retention_days")]).unlink()
        rows = self.make_calls([10, 200, 364, 366, 800])
        self.assertEqual(Log._cron_purge(), 2)
        self.assertEqual(sorted(rows.exists().mapped("method")), ["age10", "age200", "age364"])
        with self.assertRaisesRegex(UserError, "180"):
            Param.set_param("tax_gateway.request_log_retention_days", "90")
        settings = self.env["res.config.settings"].create({"fapiao_request_log_days": 180})
        settings.execute()
        self.assertEqual(Param.get_param("tax_gateway.request_log_retention_days"), "180")
        self.assertEqual(Log._cron_purge(), 2)
        self.assertEqual(sorted(rows.exists().mapped("method")), ["age10"])
        # a value below the floor slipped in by SQL is read as the floor
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = '1' "
            "WHERE key = 'tax_gateway.request_log_retention_days'"
        )
        self.env.registry.clear_cache()
        self.assertEqual(Log._retention_days(), 180)
        self.assertEqual(Log._cron_purge(), 0)
        cron = self.env.ref("tax_gateway.ir_cron_purge_request_log")
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))


@tagged("post_install", "-at_install")
class TestAuditConcurrency(TransactionCase):
    """Commits through cursors of its own."""

    def test_concurrent_appends_are_chained_once_committed(self):
        """Two transactions append at once (two queue workers, two clerks): neither waits for
        nor fails because of the other (under load, a lock on the chain for each action failed
        users' requests); once committed, both are linked, each once, in commit order."""
        registry = self.env.registry
        partner = self.env.ref("base.main_partner")
        with registry.cursor() as cr1, registry.cursor() as cr2:
            first = api.Environment(cr1, SUPERUSER_ID, {})["tax.gateway.audit"]
            second = api.Environment(cr2, SUPERUSER_ID, {})["tax.gateway.audit"]
            cr2.execute("SELECT count(*) FROM tax_gateway_audit")  # its snapshot starts here
            a = first._append(partner.with_env(first.env), "concurrency-test")
            b = second._append(partner.with_env(second.env), "concurrency-test")
            cr2.commit()  # the later entry commits first
            cr1.commit()
        with registry.cursor() as cr:
            audit = api.Environment(cr, SUPERUSER_ID, {})["tax.gateway.audit"]
            audit._seal()
            # linked in the order they were committed: b first, then a
            earlier, later = audit.browse([b.id, a.id])
            self.assertEqual(later.sequence, earlier.sequence + 1)
            self.assertEqual(later.prev_hash, earlier.hash)
            self.assertIsNone(audit._verify_chain())

    def test_seal_after_commit_links_the_entries(self):
        registry = self.env.registry
        with registry.cursor() as cr:
            audit = api.Environment(cr, SUPERUSER_ID, {})["tax.gateway.audit"]
            entry = audit._append(audit.env.ref("base.main_partner"), "postcommit-test")
        # leaving the block committed it; the post-commit sealer ran in a transaction of its own
        with registry.cursor() as cr:
            entry = api.Environment(cr, SUPERUSER_ID, {})["tax.gateway.audit"].browse(entry.id)
            self.assertTrue(entry.sequence and entry.hash)


@tagged("post_install", "-at_install")
class TestIncrementalVerification(FapiaoCommon):
    """Verify Chain reads what came since the last verification, the sealed entry and a
    sample of the earlier ones; the whole chain is verified by a job."""

    def entries(self, count):
        Audit = self.env["tax.gateway.audit"]
        for n in range(count):
            Audit._append(self.company, "bench", detail=f"entry {n}")
        Audit._seal()
        return Audit.search([], order="sequence")

    def read_entries(self):
        """How many entries the chain holds."""
        self.env.cr.execute("SELECT count(*) FROM tax_gateway_audit")
        return self.env.cr.fetchone()[0]

    def test_a_verification_starts_from_the_last_one(self):
        Audit = self.env["tax.gateway.audit"]
        entries = self.entries(30)
        with patch.object(audit_model, "VERIFY_SAMPLE", 5):
            self.assertIsNone(Audit._verify_chain())  # whole: no seal yet
            self.env.cr.execute("SELECT verified_sequence FROM tax_gateway_audit_head")
            self.assertEqual(self.env.cr.fetchone()[0], entries[-1].sequence)
            more = self.entries(3)[-3:]
            read = []
            original = type(Audit)._entries_between

            def counting(model, first, last=None, **kw):
                rows = list(original(model, first, last, **kw))
                read.extend(rows)
                return iter(rows)

            with patch.object(type(Audit), "_entries_between", counting):
                self.assertIsNone(Audit._verify_chain())
            # the 3 new entries, the sealed one with the one before it, 5 pairs: not all 33
            self.assertLess(len(read), self.read_entries())
            self.assertLessEqual({e.sequence for e in more}, {row[0] for row in read})
            # an entry changed after the seal is found
            self.env.cr.execute(
                "UPDATE tax_gateway_audit SET detail = 'x' WHERE id = %s", [more[1].id]
            )
            self.assertEqual(Audit._verify_chain(), (more[1].sequence, "content was changed"))

    def test_an_earlier_entry_is_found_by_the_sample_or_the_whole_chain(self):
        Audit = self.env["tax.gateway.audit"]
        entries = self.entries(40)
        self.assertIsNone(Audit._verify_chain())
        early = entries[5]
        self.env.cr.execute("UPDATE tax_gateway_audit SET detail = 'x' WHERE id = %s", [early.id])
        # every earlier entry in the sample: found
        with patch.object(audit_model, "VERIFY_SAMPLE", 38):
            self.assertEqual(Audit._verify_chain(), (early.sequence, "content was changed"))
        # the whole chain, whatever the sample
        with patch.object(audit_model, "VERIFY_SAMPLE", 2):
            self.assertEqual(
                Audit._verify_chain(full=True), (early.sequence, "content was changed")
            )

    def test_the_seal_cannot_be_moved_by_whoever_writes_the_database(self):
        Audit = self.env["tax.gateway.audit"]
        entries = self.entries(30)
        with patch.object(audit_model, "VERIFY_SAMPLE", 2):
            self.assertIsNone(Audit._verify_chain())
            self.entries(10)
            # edit a new entry, then move the seal past it without the audit key
            target = Audit.search([], order="sequence desc", limit=1)
            self.env.cr.execute(
                "UPDATE tax_gateway_audit SET detail = 'x' WHERE id = %s", [target.id]
            )
            self.env.cr.execute(
                "UPDATE tax_gateway_audit_head SET verified_sequence = %s, verified_hash = %s",
                [target.sequence, target.hash],
            )
            # the seal does not hold: the whole chain is read, the edit found
            self.assertEqual(Audit._verify_chain(), (target.sequence, "content was changed"))
        self.assertTrue(entries)

    def test_the_whole_chain_by_jobs_with_their_progress(self):
        Audit = self.env["tax.gateway.audit"]
        entries = self.entries(25)
        manager = new_role_user(
            self.env, "audit_whole", self.company, "tax_gateway.group_fapiao_manager"
        )
        with patch.object(audit_model, "VERIFY_CHUNK", 10):
            Audit.with_user(manager).action_verify_whole_chain()
            performed = run_queued_jobs(self.env, Audit, rounds=10)
        descriptions = [job.description for job in performed]
        self.assertGreaterEqual(len(performed), 3)  # chunks of 10 entries
        self.assertTrue(all("entries" in d for d in descriptions), descriptions)
        self.assertIn("intact", performed[-1].result)
        self.env.cr.execute("SELECT verified_sequence FROM tax_gateway_audit_head")
        self.assertGreaterEqual(self.env.cr.fetchone()[0], entries[-1].sequence)
        # a broken entry: the job reports where
        self.env.cr.execute(
            "UPDATE tax_gateway_audit SET detail = 'x' WHERE id = %s", [entries[3].id]
        )
        with patch.object(audit_model, "VERIFY_CHUNK", 10):
            Audit.with_user(manager).action_verify_whole_chain()
            performed = run_queued_jobs(self.env, Audit, rounds=10)
        self.assertIn(f"broken at entry {entries[3].sequence}", performed[-1].result)
