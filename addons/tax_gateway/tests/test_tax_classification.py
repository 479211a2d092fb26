import csv

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..models.tax_classification import CODES_CSV


@tagged("post_install", "-at_install")
class TestTaxClassification(TransactionCase):
    def test_official_table_loaded(self):
        with CODES_CSV.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        codes = self.env["tax.classification"].with_context(active_test=False)
        self.assertEqual(codes.search_count([]), len(rows))
        apple = codes.search([("code", "=", "1010115010100000000")])
        self.assertEqual(apple.name, "苹果")
        self.assertEqual(apple.short_name, "水果")
        self.assertEqual(apple.default_rate, 0.09)

    def test_reload_is_idempotent(self):
        model = self.env["tax.classification"]
        self.assertEqual(model._load_official_rows([("1010115010100000000", "苹果")]), 0)

    def test_code_must_have_19_digits(self):
        with self.assertRaises(ValidationError):
            self.env["tax.classification"].create({"code": "10101150101", "name": "x"})

    def test_product_falls_back_to_category(self):
        code = self.env["tax.classification"].search([("code", "=", "1010115010500000000")])
        parent = self.env["product.category"].create(
            {"name": "Fruit", "tax_classification_id": code.id}
        )
        child = self.env["product.category"].create({"name": "Bananas", "parent_id": parent.id})
        product = self.env["product.template"].create({"name": "Banana", "categ_id": child.id})
        self.assertEqual(product._get_tax_classification(), code)
