from odoo import api, fields, models


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


class UomUom(models.Model):
    _inherit = "uom.uom"

    fapiao_name = fields.Char(
        string="Unit on Fapiao",
        help="单位 as printed on the fapiao; empty: the unit's Chinese name. Odoo's Chinese "
        "name of some units reads oddly there (Units: 单位), hence 个 for it.",
    )

    @api.model
    def _fapiao_default_names(self):
        """Units print as 个 unless a name was set already (at install and each update)."""
        unit = self.env.ref("uom.product_uom_unit", raise_if_not_found=False)
        if unit and not unit.fapiao_name:
            unit.fapiao_name = "个"

    def _fapiao_name(self):
        self.ensure_one()
        return self.fapiao_name or self.with_context(lang="zh_CN").name
