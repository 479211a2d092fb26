from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    tax_classification_id = fields.Many2one(
        "tax.classification",
        help="Default for the category's products.",
    )

    def _get_tax_classification(self):
        """The category's code, else the nearest parent's."""
        category = self
        while category:
            if category.tax_classification_id:
                return category.tax_classification_id
            category = category.parent_id
        return self.env["tax.classification"]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    tax_classification_id = fields.Many2one(
        "tax.classification",
        help="19-digit goods and services tax code; empty: the category's.",
    )
    fapiao_spec = fields.Char(string="Fapiao Specification", help="规格型号")

    def _get_tax_classification(self):
        self.ensure_one()
        return self.tax_classification_id or self.categ_id._get_tax_classification()
