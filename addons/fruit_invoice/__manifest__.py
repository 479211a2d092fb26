# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Fapiao for Fruit Wholesale",
    "summary": "Fruit wholesale fapiao: lot splits, auto invoicing, returns, farm purchases",
    "version": "18.0.1.0.0",
    "development_status": "Alpha",
    "category": "Accounting/Localizations",
    "website": "https://github.com/fapiao-odoo/fapiao-addons",
    "author": "Fapiao Add-ons Team, Odoo Community Association (OCA)",
    "maintainers": ["fapiao-team"],
    "license": "LGPL-3",
    "depends": ["tax_gateway", "sale_stock", "purchase_stock"],
    "external_dependencies": {"python": ["fapiao-core"]},
    "data": [
        "security/ir.model.access.csv",
        "security/fruit_invoice_security.xml",
        "data/fruit_invoice_data.xml",
        "views/fruit_invoice_views.xml",
        "report/fruit_batch_report_views.xml",
        "wizards/partial_invoice_views.xml",
    ],
    "demo": ["demo/fruit_invoice_demo.xml"],
    "assets": {
        "web.assets_tests": ["fruit_invoice/static/tests/tours/*.js"],
    },
    "installable": True,
}
