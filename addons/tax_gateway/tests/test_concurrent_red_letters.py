"""Two managers reverse one fapiao at the same moment, in transactions of their own: one red
letter goes out, the other manager gets a clear error and nothing else is sent."""

import secrets

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.tax_gateway_workflow import in_transition


def new_number():
    """A fapiao number of its own each run: what the test commits stays in a persistent
    database, and a number is issued once."""
    return f"2631200000{secrets.randbelow(10**10):010d}"


@tagged("post_install", "-at_install")
class TestConcurrentRedLetters(TransactionCase):
    def committed_issued_fapiao(self):
        """An issued fapiao of the demo company with two draft red forms, each for all of it,
        committed: each manager's transaction sees them."""
        company = self.env.ref("base.demo_company_cn", raise_if_not_found=False)
        if not company or not company.vat:
            self.skipTest("demo data not installed")
        registry = self.env.registry
        context = {"allowed_company_ids": [company.id], "lang": "en_US"}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            tax = (
                env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
            )
            product = env["product.product"].create(
                {
                    "name": "并发红冲苹果",
                    "type": "consu",
                    "company_id": company.id,
                    "taxes_id": [Command.set(tax.ids)],
                    "tax_classification_id": env["tax.classification"]
                    .search([("code", "=", "1010115010100000000")])
                    .id,
                }
            )
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": env["res.partner"].create({"name": "并发红冲客户"}).id,
                    "invoice_date": "2026-11-20",
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": 10, "price_unit": 12.5}
                        )
                    ],
                }
            )
            move.action_post()
            fapiao = env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
            with in_transition():
                fapiao.write(
                    {"state": "issued", "number": new_number(), "issue_date": "2026-11-20 10:00:00"}
                )
            forms = env["tax.red.form"].create(
                [
                    {
                        "fapiao_id": fapiao.id,
                        "line_ids": [
                            Command.create(
                                {
                                    "blue_line_id": fapiao.line_ids.id,
                                    "quantity": 10,
                                    "amount": 125.0,
                                    "tax_amount": 11.25,
                                }
                            )
                        ],
                    }
                    for _manager in range(2)
                ]
            )
        return forms, registry, context

    def test_one_fapiao_reversed_by_two_managers_at_once_goes_out_once(self):
        forms, registry, context = self.committed_issued_fapiao()
        first, second = forms.ids
        with registry.cursor() as cr1, registry.cursor() as cr2:
            manager1 = api.Environment(cr1, SUPERUSER_ID, context)
            manager2 = api.Environment(cr2, SUPERUSER_ID, context)
            cr2.execute("SELECT 1 FROM tax_red_form LIMIT 1")  # manager 2's snapshot starts here
            manager1["tax.red.form"].browse(first)._submit()
            cr1.commit()
            # manager 2's snapshot does not see manager 1's form in progress: the blue fapiao's
            # row, which each send updates under lock, makes PostgreSQL refuse the transaction
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                manager2["tax.red.form"].browse(second)._submit()
                manager2.flush_all()
            cr2.rollback()
            manager2.invalidate_all()
            # Odoo retries the request: the fapiao is covered by the first red letter
            with self.assertRaisesRegex(UserError, "already fully reversed"):
                manager2["tax.red.form"].browse(second)._submit()
            cr2.rollback()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            states = env["tax.red.form"].browse(forms.ids).mapped("state")
            self.assertEqual(states, ["applying", "draft"])
