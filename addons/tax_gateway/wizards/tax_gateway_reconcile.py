import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tg_core import money
from ..tg_core.client import PlatformError
from ..tg_core.reconcile import reconcile

CHINA = datetime.timezone(datetime.timedelta(hours=8))
KINDS = [
    ("missing_in_odoo", "Issued on the platform, not in Odoo"),
    ("missing_on_platform", "Issued in Odoo, not on the platform"),
    ("amount_mismatch", "Amounts differ"),
]


def china_today():
    """The day it is in China: the platform dates fapiao by China's calendar, whatever the
    user's timezone (at 00:30 in Beijing a user on UTC is still on yesterday)."""
    return datetime.datetime.now(CHINA).date()


class TaxGatewayReconcile(models.TransientModel):
    """Compare the fapiao Odoo issued in a period with the platform's list (queryInvoiceList)."""

    _name = "tax.gateway.reconcile"
    _description = "Reconcile Fapiao with the Tax Platform"

    provider_id = fields.Many2one(
        "tax.gateway.provider",
        required=True,
        default=lambda self: self.env["tax.gateway.provider"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    company_id = fields.Many2one(related="provider_id.company_id")
    date_from = fields.Date(required=True, default=lambda self: china_today().replace(day=1))
    date_to = fields.Date(required=True, default=lambda self: china_today())
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    odoo_count = fields.Integer(string="Issued in Odoo", readonly=True)
    platform_count = fields.Integer(string="On the Platform", readonly=True)
    line_ids = fields.One2many("tax.gateway.reconcile.line", "wizard_id", readonly=True)
    difference_count = fields.Integer(compute="_compute_difference_count")

    @api.depends("line_ids")
    def _compute_difference_count(self):
        for wizard in self:
            wizard.difference_count = len(wizard.line_ids)

    def _period_utc(self):
        """The period's bounds: China days, as naive UTC for Odoo and China time for the
        platform."""
        start = datetime.datetime.combine(self.date_from, datetime.time.min, CHINA)
        end = datetime.datetime.combine(self.date_to, datetime.time.max, CHINA)
        return start, end

    def action_reconcile(self):
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may reconcile with the platform."))
        if self.date_from > self.date_to:
            raise UserError(_("The period ends before it starts."))
        start, end = self._period_utc()
        to_utc = lambda moment: moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)  # noqa: E731
        fapiao = self.env["tax.fapiao"].search(
            [
                ("company_id", "=", self.company_id.id),
                "|",
                "&",
                ("issue_date", ">=", to_utc(start)),
                ("issue_date", "<=", to_utc(end)),
                "&",
                ("number", "=", False),
                ("state", "in", ("issuing",)),
            ]
        )
        books = [
            {
                "number": f.number or None,
                "order_no": f.order_no,
                "total": money.cents(money.D(f.amount_total)),
                "fapiao": f,
            }
            for f in fapiao
        ]
        try:
            listed = self.provider_id._client().list_invoices(start, end)
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not give its list: %s",
                    self.env["tax.gateway.error"]._describe(err.code, err.message),
                )
            ) from err
        platform = [
            {"number": r.number, "order_no": r.business_key, "total": r.total, "serial": r.serial}
            for r in listed
        ]
        lines = [fields.Command.clear()]
        for diff in reconcile(books, platform):
            ours, theirs = diff["ours"] or {}, diff["theirs"] or {}
            lines.append(
                fields.Command.create(
                    {
                        "kind": diff["kind"],
                        "number": theirs.get("number") or ours.get("number"),
                        "fapiao_id": ours["fapiao"].id if ours else False,
                        "odoo_total": float(ours["total"]) if ours else 0.0,
                        "platform_total": float(theirs["total"] or 0) if theirs else 0.0,
                        "platform_serial": theirs.get("serial"),
                    }
                )
            )
        self.write(
            {
                "state": "done",
                "odoo_count": len([b for b in books if b["number"]]),
                "platform_count": len(platform),
                "line_ids": lines,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Reconcile with the Platform"),
        }


class TaxGatewayReconcileLine(models.TransientModel):
    _name = "tax.gateway.reconcile.line"
    _description = "Fapiao Reconciliation Difference"

    wizard_id = fields.Many2one("tax.gateway.reconcile", required=True, ondelete="cascade")
    kind = fields.Selection(KINDS, required=True)
    number = fields.Char(string="Fapiao Number")
    fapiao_id = fields.Many2one("tax.fapiao")
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    odoo_total = fields.Monetary(string="Total in Odoo")
    platform_total = fields.Monetary(string="Total on the Platform")
    platform_serial = fields.Char()
