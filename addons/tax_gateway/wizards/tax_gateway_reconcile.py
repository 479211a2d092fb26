import datetime

from fapiao_core import money
from fapiao_core.client import PlatformClient, PlatformError
from fapiao_core.reconcile import reconcile

from odoo import _, api, fields, models
from odoo.exceptions import UserError

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
    last_count = fields.Integer(
        string="Last Fapiao to Query",
        default=3,
        help="Check against the platform (after a restore): the last fapiao issued in Odoo "
        "that are queried one by one, and the platform's list from the oldest of them until "
        "today.",
    )
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
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect),
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

    def action_check_after_restore(self):
        """After a database restore: query the last ``last_count`` fapiao issued in Odoo one by
        one and compare the platform's list from the oldest of them until today, so that a
        fapiao the platform issued after the backup (missing in Odoo) or a fapiao whose
        number or total differs is reported."""
        self.ensure_one()
        if self.last_count < 1:
            raise UserError(_("Query at least one fapiao."))
        last = self.env["tax.fapiao"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("number", "!=", False),
                ("issue_date", "!=", False),
            ],
            order="issue_date desc, id desc",
            limit=self.last_count,
        )
        today = china_today()
        since = (
            min(last.mapped("issue_date"))
            .replace(tzinfo=datetime.timezone.utc)
            .astimezone(CHINA)
            .date()
            if last
            else today.replace(day=1)
        )
        self.write({"date_from": since, "date_to": today})
        action = self.action_reconcile()
        listed = {(line.kind, line.fapiao_id.id) for line in self.line_ids}
        try:
            answers = self.provider_id._client().query_many(
                {f.order_no: f._platform_request() for f in last}
            )
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not answer: %s",
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect),
                )
            ) from err
        lines = []
        for fapiao in last:
            answer = answers.get(fapiao.order_no)
            ours = money.cents(money.D(fapiao.amount_total))
            if isinstance(answer, PlatformError) and answer.code == "MISMATCH":
                kind, theirs, number = "amount_mismatch", None, fapiao.number
            elif isinstance(answer, PlatformError) and answer.code != PlatformClient.NOT_FOUND:
                raise UserError(
                    _(
                        "The platform did not answer for fapiao %(fapiao)s: %(error)s",
                        fapiao=fapiao.display_name,
                        error=self.env["tax.gateway.error"]._describe(
                            answer.code, answer.message, answer.dialect
                        ),
                    )
                )
            elif isinstance(answer, PlatformError) or answer is None or not answer.number:
                kind, theirs, number = "missing_on_platform", None, fapiao.number
            elif answer.number != fapiao.number or (
                answer.total is not None and money.cents(answer.total) != ours
            ):
                kind, theirs, number = "amount_mismatch", answer.total, answer.number
            else:
                continue
            if (kind, fapiao.id) in listed:
                continue
            lines.append(
                fields.Command.create(
                    {
                        "kind": kind,
                        "number": number,
                        "fapiao_id": fapiao.id,
                        "odoo_total": float(ours),
                        "platform_total": float(theirs or 0),
                    }
                )
            )
        if lines:
            self.write({"line_ids": lines})
        action["name"] = _("Check against the Platform")
        return action

    @api.model
    def _check_all_after_restore(self, count=3):
        """``make check-platform``: the check of every platform of every company, as that
        company's Fapiao Manager. [(company, platform, [(kind, number, Odoo total, platform
        total)])]; a platform that could not be checked gives ("not_checked", the reason)."""
        report = []
        for provider in self.env["tax.gateway.provider"].search([]):
            company = provider.company_id
            manager = company._fapiao_manager_user()
            wizard = (
                self.with_user(manager)
                .with_company(company)
                .create({"provider_id": provider.id, "last_count": count})
            )
            try:
                with self.env.cr.savepoint():
                    wizard.action_check_after_restore()
            except UserError as err:  # unreachable, refused: said, and the others checked
                report.append((company.name, provider.name, [("not_checked", str(err), 0, 0)]))
                continue
            report.append(
                (
                    company.name,
                    provider.name,
                    [
                        (line.kind, line.number, line.odoo_total, line.platform_total)
                        for line in wizard.line_ids
                    ],
                )
            )
        return report


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
