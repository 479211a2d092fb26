# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Fapiao Tax Gateway - Sales",
    "summary": "Fapiao of a sales order's invoices, one click from the order",
    "version": "18.0.1.0.0",
    "development_status": "Alpha",
    "category": "Accounting/Localizations",
    "website": "https://github.com/fapiao-odoo/fapiao-addons",
    "author": "Fapiao Add-ons Team, Odoo Community Association (OCA)",
    "maintainers": ["fapiao-team"],
    "license": "LGPL-3",
    "depends": ["tax_gateway", "sale"],
    "external_dependencies": {"python": ["fapiao-core"]},
    "data": [
        "security/ir.model.access.csv",
        "security/tax_gateway_sale_security.xml",
        "views/sale_order_views.xml",
        "views/tax_fapiao_consistency_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
