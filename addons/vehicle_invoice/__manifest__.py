# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Fapiao for Car Dealers",
    "summary": "4S dealer fapiao: VIN-aware motor-vehicle invoices, split strategies, risk review",
    "version": "18.0.1.0.0",
    "development_status": "Alpha",
    "category": "Accounting/Localizations",
    "website": "https://github.com/fapiao-odoo/fapiao-addons",
    "author": "Fapiao Add-ons Team, Odoo Community Association (OCA)",
    "maintainers": ["fapiao-team"],
    "license": "LGPL-3",
    "depends": ["tax_gateway", "sale_stock"],
    "external_dependencies": {"python": ["fapiao-core"]},
    "data": [
        "security/ir.model.access.csv",
        "security/vehicle_invoice_security.xml",
        "views/vehicle_views.xml",
        "views/vehicle_risk_views.xml",
        "report/tax_fapiao_report.xml",
    ],
    "demo": ["demo/vehicle_invoice_demo.xml"],
    "assets": {
        "web.assets_tests": ["vehicle_invoice/static/tests/tours/*.js"],
    },
    "installable": True,
}
