import datetime
import logging

from fapiao_core import money, platform, states
from fapiao_core.client import PlatformError, new_order_no
from psycopg2.errors import LockNotAvailable

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.queue_job.exception import RetryableJobError

from .tax_gateway_guarded_mixin import check_second_factor, second_factor
from .tax_gateway_workflow import transition

BUREAU_STATES = [
    ("01", "01 无需确认"),
    ("02", "02 销方录入待购方确认"),
    ("03", "03 购方录入待销方确认"),
    ("04", "04 购销双方已确认"),
    ("05", "05 作废（销方录入购方否认）"),
    ("06", "06 作废（购方录入销方否认）"),
    ("07", "07 作废（超72小时未确认）"),
    ("08", "08 作废（发起方已撤销）"),
    ("09", "09 作废（确认后撤销）"),
    ("10", "10 作废（异常凭证）"),
]
REASONS = [
    ("01", "01 开票有误"),
    ("02", "02 销货退回"),
    ("03", "03 服务中止"),
    ("04", "04 销售折让"),
]
CONFIRMED, PENDING = ("01", "04"), ("02", "03")
# Fields written only by the state machine's transitions (tax.gateway.workflow.mixin).
WORKFLOW_FIELDS = {
    "state",
    "bureau_state",
    "bill_id",
    "bill_no",
    "bill_uuid",
    "entered_at",
    "red_fapiao_id",
    "error_code",
    "error_message",
    "initiator",
}
RED_FORM_TTL = datetime.timedelta(hours=72)
_logger = logging.getLogger(__name__)


class TaxRedForm(models.Model):
    """红字发票信息确认单: the only way back from an issued fapiao."""

    _name = "tax.red.form"
    _description = "Red-Letter Confirmation Form"
    _inherit = ["mail.thread", "mail.activity.mixin", "tax.gateway.workflow.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    fapiao_id = fields.Many2one(
        "tax.fapiao",
        string="Blue Fapiao",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
        domain="[('direction', '=', 'blue'), ('state', 'in', ('issued', 'partially_reversed'))]",
    )
    company_id = fields.Many2one(related="fapiao_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="fapiao_id.currency_id", store=True)
    partner_id = fields.Many2one(related="fapiao_id.partner_id", store=True, string="Buyer")
    blue_number = fields.Char(related="fapiao_id.number", string="Blue Fapiao Number")
    move_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        index=True,
        ondelete="restrict",
        check_company=True,
        help="The credit note this red letter reverses; posted once the red fapiao is issued.",
    )
    reason = fields.Selection(REASONS, required=True, default="01", tracking=True)
    initiator = fields.Selection(
        [("seller", "Seller (us)"), ("buyer", "Buyer")], default="seller", required=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("applying", "Applying"),
            ("pending", "Waiting for Confirmation"),
            ("confirmed", "Confirmed"),
            ("issued", "Red Fapiao Issued"),
            ("cancelled", "Void"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
        index=True,
    )
    is_editable = fields.Boolean(
        compute="_compute_is_editable",
        help="Draft or failed: it may still be changed or requested.",
    )
    bureau_state = fields.Selection(BUREAU_STATES, readonly=True, tracking=True, copy=False)
    line_ids = fields.One2many("tax.red.form.line", "form_id", string="Lines", copy=True)
    full_reversal = fields.Boolean(
        compute="_compute_full_reversal",
        help="Reverses everything left of the blue fapiao (sent without lines).",
    )
    amount_untaxed = fields.Monetary(compute="_compute_amounts", store=True, string="Amount")
    amount_tax = fields.Monetary(compute="_compute_amounts", store=True, string="Tax")
    amount_total = fields.Monetary(compute="_compute_amounts", store=True, string="Total")
    bill_id = fields.Char(
        string="Application Key",
        readonly=True,
        copy=False,
        index=True,
        help="Sent as billId; fixed before the first call and reused on every retry.",
    )
    bill_no = fields.Char(string="Form Number", readonly=True, copy=False, index=True)
    bill_uuid = fields.Char(string="Form UUID", readonly=True, copy=False, index=True)
    entered_at = fields.Datetime(readonly=True, copy=False)
    expires_at = fields.Datetime(
        compute="_compute_expires_at", store=True, help="Unconfirmed forms lapse after 72 hours."
    )
    red_fapiao_id = fields.Many2one("tax.fapiao", readonly=True, copy=False)
    error_code = fields.Char(readonly=True, copy=False)
    error_message = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ("bill_id_unique", "unique(bill_id)", "An application key identifies one red form."),
        ("bill_uuid_unique", "unique(bill_uuid)", "The bureau's form exists only once."),
    ]

    @api.depends("state")
    def _compute_is_editable(self):
        for form in self:
            form.is_editable = form.state in states.FORM_EDITABLE

    def _workflow_fields(self):
        return super()._workflow_fields() | WORKFLOW_FIELDS

    @api.depends("bill_no")
    def _compute_name(self):
        for form in self:
            # stored once, whoever's transaction computes it: in its creator's language
            env = form.with_context(lang=form.create_uid.lang or self.env.lang).env
            form.name = form.bill_no or env._("Red Form (draft #%s)", form.id or "-")

    @api.depends("line_ids.amount", "line_ids.tax_amount")
    def _compute_amounts(self):
        for form in self:
            amount = sum(money.D(a) for a in form.line_ids.mapped("amount"))
            tax = sum(money.D(t) for t in form.line_ids.mapped("tax_amount"))
            form.amount_untaxed = float(money.cents(amount))
            form.amount_tax = float(money.cents(tax))
            form.amount_total = float(money.cents(amount + tax))

    @api.depends("entered_at", "bureau_state")
    def _compute_expires_at(self):
        for form in self:
            pending = form.entered_at and form.bureau_state in PENDING
            form.expires_at = form.entered_at + RED_FORM_TTL if pending else False

    def _compute_full_reversal(self):
        for form in self:
            left = {
                line_id: amounts
                for line_id, amounts in form._left_by_blue_line().items()
                if any(amounts)
            }
            asked = {
                line.blue_line_id.id: (money.D(line.amount), money.D(line.tax_amount))
                for line in form.line_ids
            }
            form.full_reversal = bool(asked) and asked == left

    # ----------------------------------------------------------- amounts left
    def _left_by_blue_line(self):
        """What other live forms leave of each blue line: {blue line id: (amount, tax)}."""
        self.ensure_one()
        return self.fapiao_id._red_amounts_left(exclude=self)

    def _check_before_send(self):
        """Every refusal before the form goes to the bureau; the trade add-ons add theirs."""
        self._check_amounts_left()

    def _check_amounts_left(self):
        """Cumulative red never above blue, line by line; a fully reversed fapiao refuses."""
        self.ensure_one()
        left = self._left_by_blue_line()
        if not any(amount > 0 for amount, _tax in left.values()):
            raise UserError(
                _(
                    "Fapiao %s is already fully reversed (or red letters in progress cover it): "
                    "it cannot be reversed again.",
                    self.fapiao_id.display_name,
                )
            )
        if not self.line_ids:
            raise UserError(_("Red form %s has no line.", self.display_name))
        for line in self.line_ids:
            amount, tax = left[line.blue_line_id.id]
            if money.D(line.amount) <= 0:
                raise UserError(
                    _("Red line %s: the amount to reverse must be positive.", line.name)
                )
            if money.D(line.amount) > amount or money.D(line.tax_amount) > tax + money.D("0.06"):
                raise UserError(
                    _(
                        "Red line %(line)s reverses %(amount)s but only %(left)s is left of the "
                        "blue line: the red amount may never exceed the blue one.",
                        line=line.name,
                        amount=money.plain(money.D(line.amount)),
                        left=money.plain(amount),
                    )
                )
            left[line.blue_line_id.id] = (amount - money.D(line.amount), tax)

    # ----------------------------------------------------------------- actions
    @second_factor
    @check_identity
    def action_submit(self):
        """Red letters go through Odoo's identity check (password re-entered)."""
        return self._submit()

    def _submit(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may request red letters."))
        check_second_factor(self.env, self.company_id)
        return self._send()

    @transition
    def _send(self):
        """Check what is left of the blue fapiao and queue the application. Callers that do
        not go through _submit say in a comment who authorised the red letter."""
        for form in self:
            if form.state not in states.FORM_EDITABLE:
                raise UserError(_("Red form %s was already sent.", form.display_name))
            if form.fapiao_id.state not in states.REVERSIBLE:
                raise UserError(
                    _("Only an issued fapiao can be reversed (%s).", form.fapiao_id.display_name)
                )
            # one red letter at a time per blue fapiao: the amounts left are read under lock,
            # and the blue row is updated, not only locked: a transaction whose snapshot began
            # before another red letter of it was committed then fails to serialize (and Odoo
            # retries it, which sees that red letter) instead of reading stale amounts left
            self.env.cr.execute(
                SQL(
                    "UPDATE tax_fapiao SET write_date = now() AT TIME ZONE 'UTC' WHERE id = %s",
                    form.fapiao_id.id,
                )
            )
            form.fapiao_id.invalidate_recordset(["write_date"])
            form._check_before_send()
            form.write(
                {
                    "state": "applying",
                    "bill_id": form.bill_id or new_order_no(),
                    "error_code": False,
                    "error_message": False,
                }
            )
            form.fapiao_id._audit("red_form_submit", detail=form.bill_id)
            form._enqueue("_job_request", _("Request red form %s", form.display_name))
        return True

    @second_factor
    @check_identity
    def action_confirm(self):
        return self._answer_buyer(agree=True)

    @second_factor
    @check_identity
    def action_deny(self):
        return self._answer_buyer(agree=False)

    def _answer_buyer(self, agree):
        """Confirm or deny a form the buyer raised (03)."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may answer red letters."))
        check_second_factor(self.env, self.company_id)
        for form in self:
            if form.initiator != "buyer" or form.bureau_state != "03":
                raise UserError(
                    _("Only a form the buyer raised and that waits for us can be answered.")
                )
            if agree:
                form._check_amounts_left()
                if not form.move_id:
                    form.move_id = form.fapiao_id.move_id._credit_note_for_red_letter(form)
            try:
                result = form._client().confirm_red_form(form.bill_uuid, agree=agree)
            except PlatformError as err:
                raise UserError(
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect)
                ) from err
            form.fapiao_id._audit(
                "red_form_confirm" if agree else "red_form_deny", detail=form.bill_no
            )
            if result:
                form._apply_form(result)
        return True

    def action_revoke(self):
        """The initiator withdraws a form still waiting for the other side."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may revoke red letters."))
        check_second_factor(self.env, self.company_id)
        for form in self:
            if form.initiator != "seller" or form.bureau_state != "02":
                raise UserError(_("Only our own form waiting for the buyer can be revoked."))
            try:
                result = form._client().cancel_red_form(form.bill_uuid)
            except PlatformError as err:
                raise UserError(
                    self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect)
                ) from err
            form.fapiao_id._audit("red_form_revoke", detail=form.bill_no)
            form._apply_form(result)
        return True

    def action_refresh(self):
        for form in self.filtered(lambda f: f.state in states.FORM_IN_FLIGHT):
            form._job_refresh()
        return True

    @transition
    def action_reset_to_draft(self):
        if any(f.state != "failed" for f in self):
            raise UserError(_("Only a failed red form goes back to draft."))
        for form in self:
            form.fapiao_id._audit("red_form_reset", detail=form.bill_id or "")
        self.write({"state": "draft", "bill_id": False})

    def _action_view(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("tax_gateway.tax_red_form_action")
        if len(self) == 1:
            action.update(res_id=self.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", self.ids)]
        return action

    def action_view_credit_note(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # --------------------------------------------------------------- platform
    def _client(self):
        return self.fapiao_id._provider()._client()

    def _enqueue(self, method, description):
        self.ensure_one()
        getattr(
            self.with_delay(
                channel="root.fapiao",
                identity_key=f"tax_red_form_{method}_{self.id}",
                description=description,
            ),
            method,
        )()

    def _platform_form(self):
        """This form as the neutral request every platform's dialect takes: the whole blue
        fapiao, or its lines by position with negative amounts."""
        self.ensure_one()
        blue = self.fapiao_id
        lines = None
        if not self.full_reversal:
            positions = {line.id: index for index, line in enumerate(blue.line_ids, start=1)}
            lines = tuple(
                (
                    positions[line.blue_line_id.id],
                    platform.Line(
                        name=line.blue_line_id.name,
                        tax_code=line.blue_line_id.tax_code or "",
                        rate=money.D(round(line.blue_line_id.tax_rate, 4)),
                        amount=-money.cents(line.amount),
                        tax=-money.cents(line.tax_amount),
                        quantity=-money.D(line.quantity) if line.quantity else None,
                        unit_price=money.D(line.blue_line_id.unit_price)
                        if line.blue_line_id.unit_price
                        else None,
                    ),
                )
                for line in self.line_ids
            )
        return platform.RedFormRequest(
            bill_id=self.bill_id,
            blue_kind=blue.kind,
            blue_number=blue.number,
            seller=platform.Party(name=blue.seller_name or "", tax_id=blue.seller_tax_id or ""),
            buyer=platform.Party(
                name=blue.buyer_name or "", tax_id=blue._personal_clear("buyer_tax_id") or ""
            ),
            reason=self.reason,
            lines=lines,
        )

    @transition
    def _job_request(self):
        """Queue job: apply for the form under its key; safe to run more than once."""
        self.ensure_one()
        try:
            self.env.cr.execute(
                "SELECT id FROM tax_red_form WHERE id = %s FOR UPDATE NOWAIT", [self.id]
            )
        except LockNotAvailable as err:
            raise RetryableJobError(_("Red form %s is being sent.", self.id), seconds=10) from err
        self.invalidate_recordset()
        if self.state != "applying":
            return f"nothing to do in state {self.state}"
        self.fapiao_id._provider()._check_online()
        payload = self._platform_form()
        try:
            result = self._client().request_red_form(payload)
        except PlatformError as err:
            self.fapiao_id._audit("platform_red_form", sent=payload, received=[err.code])
            if err.transient:
                raise RetryableJobError(f"{err.code}: {err.message}") from err
            self.write(
                {
                    "state": "failed",
                    "error_code": err.code,
                    "error_message": self.env["tax.gateway.error"]._describe(
                        err.code, err.message, err.dialect
                    ),
                }
            )
            return f"failed: {err.code}"
        self.fapiao_id._audit("platform_red_form", sent=payload, received=result)
        self._apply_form(result)
        return f"form {result.bill_no} in state {result.status}"

    def _job_refresh(self):
        """Queue job and cron step: read the form back; fetch its red fapiao once confirmed."""
        self.ensure_one()
        self.invalidate_recordset()
        if self.state not in states.FORM_IN_FLIGHT:
            return f"nothing to do in state {self.state}"
        self.fapiao_id._provider()._check_online()
        key = {"bill_uuid": self.bill_uuid} if self.bill_uuid else {"bill_id": self.bill_id}
        try:
            result = self._client().query_red_form(**key)
        except PlatformError as err:
            if err.transient:
                raise RetryableJobError(f"{err.code}: {err.message}") from err
            raise
        if result:
            self._apply_form(result)
        return f"state {self.state}"

    @transition
    def _apply_form(self, result):
        """Record what the bureau says about the form; fetch the red fapiao when confirmed."""
        self.ensure_one()
        values = {
            "bill_no": result.bill_no,
            "bill_uuid": result.bill_uuid,
            "bureau_state": result.status,
            "entered_at": self.entered_at or fields.Datetime.now(),
        }
        if result.status in CONFIRMED:
            values["state"] = "confirmed" if self.state != "issued" else "issued"
        elif result.status in PENDING:
            values["state"] = "pending"
        else:
            values["state"] = "cancelled"
        self.write(values)
        if result.status in PENDING and self.initiator == "buyer":
            self._schedule_review(_("The buyer asks for a red letter: confirm or deny it."))
        if values["state"] == "confirmed":
            self._fetch_red_fapiao(result)

    @transition
    def _fetch_red_fapiao(self, result):
        red = self._client().fetch_red_invoice(result)
        if not red or red.state != platform.ISSUED:
            self._enqueue("_job_refresh", _("Fetch the red fapiao of %s", self.display_name))
            return False
        fapiao = self.red_fapiao_id
        if not fapiao:
            # lines go in while it is a draft; then it is the bureau's document
            fapiao = self.env["tax.fapiao"].create(self._red_fapiao_values(red))
            fapiao.write({"state": "issuing"})
            self.red_fapiao_id = fapiao
        # _apply_result archives and checks the documents, then marks the red fapiao issued
        fapiao._apply_result_safely(red)
        if fapiao.state == "issued":
            self.state = "issued"
            self.move_id._post_after_red_letter()
        return True

    def _red_fapiao_values(self, red):
        blue = self.fapiao_id
        return {
            "move_id": (self.move_id or blue.move_id).id,
            "kind": blue.kind,
            "direction": "red",
            "origin_fapiao_id": blue.id,
            "order_no": red.business_key,
            "platform_serial": red.serial,
            "seller_name": blue.seller_name,
            "seller_tax_id": blue.seller_tax_id,
            "seller_address_phone": blue.seller_address_phone,
            "seller_bank_account": blue.seller_bank_account,
            "buyer_name": blue.buyer_name,
            **blue._personal_values(),
            "buyer_natural_person": blue.buyer_natural_person,
            "remark": _(
                "被红冲蓝字数电票号码：%(blue)s 红字发票信息确认单编号：%(form)s",
                blue=blue.number,
                form=self.bill_no,
            ),
            "line_ids": [
                fields.Command.create(line._red_fapiao_line_values()) for line in self.line_ids
            ],
        }

    def _schedule_review(self, note):
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Red letter to review"),
            note=note,
            user_id=self.fapiao_id._manager_user().id,
        )

    # -------------------------------------------------------------------- cron
    @api.model
    def _cron_sync_red_forms(self):
        """Forms waiting on the bureau are read back; forms the buyers raised are pulled in."""
        for form in self.search([("state", "in", states.FORM_IN_FLIGHT)], limit=200):
            form._enqueue("_job_refresh", _("Refresh red form %s", form.display_name))
        for provider in self.env["tax.gateway.provider"].search([("active", "=", True)]):
            try:
                inbound = provider._client().list_red_forms(status="03")
            except PlatformError as err:
                _logger.warning("red forms of %s not listed: %s", provider.display_name, err)
                continue
            for result in inbound:
                self._adopt_inbound(provider.company_id, result)

    @api.model
    @transition
    def _adopt_inbound(self, company, result):
        """A form the buyer raised against one of our fapiao becomes a record to answer."""
        if result.apply_source != "1" or self.search_count([("bill_uuid", "=", result.bill_uuid)]):
            return self.browse()
        blue = self.env["tax.fapiao"].search(
            [
                ("company_id", "=", company.id),
                ("number", "=", result.blue_number),
                ("direction", "=", "blue"),
            ],
            limit=1,
        )
        if not blue:
            _logger.warning("red form %s for unknown fapiao %s", result.bill_no, result.blue_number)
            return self.browse()
        positions = dict(enumerate(blue.line_ids, start=1))
        lines = []
        for position, line in result.detail:
            blue_line = positions[position]
            amount = -line.amount
            lines.append(
                fields.Command.create(
                    {
                        "blue_line_id": blue_line.id,
                        "quantity": abs(float(line.quantity or 0))
                        or blue_line.quantity * float(amount / money.D(blue_line.amount)),
                        "amount": float(amount),
                        "tax_amount": float(-line.tax),
                    }
                )
            )
        form = self.create(
            {
                "fapiao_id": blue.id,
                "initiator": "buyer",
                "reason": result.reason,
                "bill_id": result.bill_id or False,
                "line_ids": lines,
            }
        )
        form._apply_form(result)
        return form


class TaxRedFormLine(models.Model):
    _name = "tax.red.form.line"
    _description = "Red-Letter Form Line"
    _order = "form_id, id"

    form_id = fields.Many2one("tax.red.form", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="form_id.company_id", store=True)
    currency_id = fields.Many2one(related="form_id.currency_id")
    blue_line_id = fields.Many2one("tax.fapiao.line", required=True, ondelete="restrict")
    move_line_id = fields.Many2one("account.move.line", string="Credit Note Line")
    name = fields.Char(related="blue_line_id.name")
    quantity = fields.Float(digits=(20, 8), help="Quantity reversed (positive).")
    amount = fields.Monetary(string="Amount (excl. tax)", required=True)
    tax_amount = fields.Monetary(string="Tax", required=True)

    @api.constrains("form_id", "blue_line_id")
    def _check_blue_line(self):
        for line in self:
            if line.blue_line_id.fapiao_id != line.form_id.fapiao_id:
                raise UserError(_("A red line reverses a line of its own blue fapiao."))

    def write(self, vals):
        if any(line.form_id.state not in states.FORM_EDITABLE for line in self):
            raise UserError(_("A red form that was sent cannot be changed."))
        return super().write(vals)

    def _red_fapiao_line_values(self):
        blue = self.blue_line_id
        return {
            "origin_line_id": blue.id,
            "move_line_id": self.move_line_id.id,
            "sequence": blue.sequence,
            "product_id": blue.product_id.id,
            "name": blue.name,
            "tax_code_id": blue.tax_code_id.id,
            "short_name": blue.short_name,
            "spec": blue.spec,
            "uom_name": blue.uom_name,
            "quantity": -abs(self.quantity),
            "unit_price": blue.unit_price,
            "amount": -self.amount,
            "tax_rate": blue.tax_rate,
            "tax_amount": -self.tax_amount,
            "policy_flag": blue.policy_flag,
        }
