import contextlib
import datetime
import logging

from fapiao_core import FapiaoError, einvoice, errors, money, platform, signature, states
from fapiao_core.client import PlatformError, new_order_no
from fapiao_core.platform import SESSION_LOGIN
from fapiao_core.validators import validate_fapiao_number, validate_tax_id
from psycopg2.errors import LockNotAvailable

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Savepoint
from odoo.tools import SQL

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.queue_job.exception import RetryableJobError

from .tax_classification import EXEMPT_FLAGS
from .tax_gateway_error import POLICIES
from .tax_gateway_guarded_mixin import check_second_factor, second_factor
from .tax_gateway_workflow import transition
from .tg_messages import core_error, core_validation_error

FAPIAO_KINDS = [
    ("81", "数电专票 (81)"),
    ("82", "数电普票 (82)"),
    ("83", "电子机动车销售统一发票 (83)"),
    ("agri", "农产品收购发票"),
    ("85", "数电纸质专票 (85)"),
    ("86", "数电纸质普票 (86)"),
    ("87", "数电纸质机动车发票 (87)"),
]
SPECIAL_KINDS = platform.SPECIAL_KINDS
PAPER_KINDS = platform.PAPER_KINDS
STATES = [
    ("draft", "Draft"),
    ("to_issue", "To Issue"),
    ("waiting_login", "Waiting for the Drawer's Login"),
    ("issuing", "Issuing"),
    ("issued", "Issued"),
    ("failed", "Failed"),
    ("partially_reversed", "Partially Reversed"),
    ("reversed", "Reversed"),
    ("voided", "Voided"),
    ("cancelled", "Cancelled"),
]
# Fields written only by the state machine's transitions (tax.gateway.workflow.mixin).
WORKFLOW_FIELDS = {
    "state",
    "number",
    "order_no",
    "platform_serial",
    "dialect",
    "issue_date",
    "submitted_at",
    "submitted_by_id",
    "alert_level",
    "error_code",
    "error_message",
    "error_retryable",
    "direction",
    "origin_fapiao_id",
    "seller_name",
    "seller_tax_id",
    "seller_address_phone",
    "seller_bank_account",
    "paper_code",
    "paper_number",
    "signature_state",
    "signature_note",
    "qr_payload",
}
VEHICLE_KINDS = platform.VEHICLE_KINDS
ALERT_AFTER = datetime.timedelta(hours=24)
ESCALATE_AFTER = datetime.timedelta(hours=36)  # escalated before the 48 h mark
_logger = logging.getLogger(__name__)


class TaxFapiao(models.Model):
    """A fapiao (发票) as the tax platform issues it. One invoice can yield several (splits)."""

    _name = "tax.fapiao"
    _description = "Fapiao"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "tax.gateway.encrypted.mixin",
        "tax.gateway.workflow.mixin",
    ]
    _encrypted_fields = ("buyer_tax_id", "buyer_address_phone", "buyer_bank_account")
    _order = "id desc"
    _check_company_auto = True

    def init(self):
        """Indexes that keep the costs flat over ten years of fapiao (bench/history.py): the
        creation date (the list opens on the last 90 days), and the few fapiao not issued yet
        among hundreds of thousands issued (the poll cron, the dashboard, the credit check and
        the list's default filter look for them by state)."""
        res = super().init()
        tools.create_index(
            self.env.cr, "tax_fapiao_create_date_index", self._table, ["create_date"]
        )
        tools.create_index(
            self.env.cr,
            "tax_fapiao_open_state_index",
            self._table,
            ["state", "company_id"],
            where="state IN ('draft', 'to_issue', 'waiting_login', 'issuing', 'failed')",
        )
        return res

    name = fields.Char(compute="_compute_name", store=True)
    number = fields.Char(
        string="Fapiao Number",
        size=20,
        copy=False,
        readonly=True,
        index=True,
        tracking=True,
        help="20-digit 数电 number given by the tax bureau.",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="move_id.currency_id", store=True)
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", store=True, string="Buyer"
    )
    kind = fields.Selection(FAPIAO_KINDS, required=True, default="82", tracking=True)
    direction = fields.Selection(
        [("blue", "Blue"), ("red", "Red")], required=True, default="blue", readonly=True
    )
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, tracking=True, copy=False, index=True
    )
    is_editable = fields.Boolean(
        compute="_compute_is_editable",
        help="Draft or failed: it may still be changed, issued or cancelled.",
    )
    origin_fapiao_id = fields.Many2one(
        "tax.fapiao", string="Reversed Fapiao", readonly=True, ondelete="restrict", index=True
    )
    red_fapiao_ids = fields.One2many("tax.fapiao", "origin_fapiao_id")
    order_no = fields.Char(
        string="Business Key",
        readonly=True,
        copy=False,
        index=True,
        help="Identifies the fapiao at the platform; fixed before the first call and reused on "
        "every retry.",
    )
    platform_serial = fields.Char(readonly=True, copy=False)
    dialect = fields.Selection(
        selection=lambda self: platform.dialect_choices(),
        string="Platform",
        readonly=True,
        copy=False,
        help="The tax platform this fapiao was submitted to. It stays with the fapiao: its "
        "business key means something on that platform only.",
    )
    issue_date = fields.Datetime(string="Issued On", readonly=True, copy=False, index=True)
    paper_code = fields.Char(
        string="Paper Fapiao Code", readonly=True, copy=False, help="发票代码 of a paper fapiao."
    )
    paper_number = fields.Char(
        string="Paper Fapiao Number", readonly=True, copy=False, help="发票号码 of a paper fapiao."
    )
    signature_state = fields.Selection(
        [("verified", "Signature Verified"), ("unverified", "Not Verified")],
        string="Signature",
        readonly=True,
        copy=False,
        help="Verified: the issued XML's signature was checked against the platform's "
        "certificate. Not verified: the platform gave no document that carries a signature "
        "this connector can check (the reason is shown); the fapiao was checked against the "
        "platform's answer only.",
    )
    signature_note = fields.Char(readonly=True, copy=False)
    qr_payload = fields.Char(
        string="QR Code Content",
        readonly=True,
        copy=False,
        help="The content of the fapiao's QR code (二维码) as the platform gave it; printed on "
        "the preview.",
    )
    error_code = fields.Char(readonly=True, copy=False)
    error_message = fields.Text(readonly=True, copy=False)
    error_policy = fields.Selection(
        POLICIES,
        string="What Happens",
        compute="_compute_error_policy",
        help="What the connector does about this error (the error table of its platform).",
    )
    error_retryable = fields.Boolean(
        string="Issue Again Unchanged",
        readonly=True,
        copy=False,
        help="The platform keeps this fapiao under its business key after a failed step (its "
        "seal): issuing it again, unchanged, asks the platform to finish it.",
    )
    submitted_at = fields.Datetime(readonly=True, copy=False, index=True)
    submitted_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        help="The 开票员 who issued it: the platform jobs run with this user's rights.",
    )
    alert_level = fields.Integer(
        readonly=True, copy=False, help="1: managers alerted (24 h waiting); 2: escalated."
    )
    platform_offline = fields.Boolean(compute="_compute_platform_offline")
    platform_offline_since = fields.Datetime(compute="_compute_platform_offline")
    # seller, from the company at preparation time
    seller_name = fields.Char(readonly=True)
    seller_tax_id = fields.Char(readonly=True)
    seller_address_phone = fields.Char(readonly=True)
    seller_bank_account = fields.Char(readonly=True)
    # buyer, from the partner's fapiao profile at preparation time
    buyer_name = fields.Char()
    buyer_tax_id = fields.Char(
        string="Buyer Tax ID",
        compute="_compute_encrypted",
        inverse="_inverse_encrypted",
        search="_search_buyer_tax_id",
    )
    buyer_natural_person = fields.Boolean()
    buyer_id_type = fields.Selection(
        lambda self: self.env["res.partner"]._fields["fapiao_id_type"].selection,
        string="Buyer ID Document",
        help="证件类型 of a natural-person buyer (of the farmer, on a 农产品收购发票).",
    )
    buyer_address_phone = fields.Char(compute="_compute_encrypted", inverse="_inverse_encrypted")
    buyer_bank_account = fields.Char(compute="_compute_encrypted", inverse="_inverse_encrypted")
    # ciphertext and blind index behind the buyer fields (tax.gateway.encrypted.mixin)
    buyer_tax_id_enc = fields.Char(copy=False)
    buyer_tax_id_hash = fields.Char(copy=False, index=True)
    buyer_address_phone_enc = fields.Char(copy=False)
    buyer_bank_account_enc = fields.Char(copy=False)
    buyer_email = fields.Char()
    drawer_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    remark = fields.Text()
    line_ids = fields.One2many("tax.fapiao.line", "fapiao_id", string="Lines", copy=True)
    amount_untaxed = fields.Monetary(compute="_compute_amounts", store=True, string="Amount")
    amount_tax = fields.Monetary(compute="_compute_amounts", store=True, string="Tax")
    amount_total = fields.Monetary(compute="_compute_amounts", store=True, string="Total")
    amount_reversed = fields.Monetary(
        compute="_compute_amount_reversed",
        store=True,
        string="Reversed Amount",
        help="Total of the issued red fapiao against this one (positive).",
    )

    _sql_constraints = [
        ("number_unique", "unique(company_id, number)", "A fapiao number exists only once."),
        ("order_no_unique", "unique(order_no)", "A business key identifies one fapiao."),
    ]

    def _compute_platform_offline(self):
        providers = self.env["tax.gateway.provider"].search(
            [("company_id", "in", self.company_id.ids)]
        )
        offline = {p.company_id.id: p.offline_since for p in providers if p.state == "offline"}
        for fapiao in self:
            fapiao.platform_offline = fapiao.company_id.id in offline
            fapiao.platform_offline_since = offline.get(fapiao.company_id.id)

    # ------------------------------------------------------------ PDF preview
    def _amount_in_words(self):
        self.ensure_one()
        return money.amount_in_words(money.D(self.amount_total))

    def _preview_money(self, value):
        return f"{money.cents(money.D(value)):,.2f}"

    def action_preview(self):
        # config=False: the fapiao layout is fixed by law, not the company document layout
        return self.env.ref("tax_gateway.action_report_fapiao").report_action(self, config=False)

    def _is_natural_person(self):
        return self.buyer_natural_person

    def _search_buyer_tax_id(self, operator, value):
        return self._search_encrypted("buyer_tax_id", operator, value)

    @api.depends("number", "state", "direction")
    def _compute_name(self):
        for fapiao in self:
            if fapiao.number:
                fapiao.name = fapiao.number
            else:
                # stored once, whoever's transaction computes it: in its creator's language
                env = fapiao.with_context(lang=fapiao.create_uid.lang or self.env.lang).env
                ident = fapiao.id or "-"
                fapiao.name = (
                    env._("Red Fapiao (draft #%s)", ident)
                    if fapiao.direction == "red"
                    else env._("Fapiao (draft #%s)", ident)
                )

    @api.depends("line_ids.amount", "line_ids.tax_amount")
    def _compute_amounts(self):
        for fapiao in self:
            amount = sum(money.D(a) for a in fapiao.line_ids.mapped("amount"))
            tax = sum(money.D(t) for t in fapiao.line_ids.mapped("tax_amount"))
            fapiao.amount_untaxed = float(money.cents(amount))
            fapiao.amount_tax = float(money.cents(tax))
            fapiao.amount_total = float(money.cents(amount + tax))

    @api.depends("red_fapiao_ids.state", "red_fapiao_ids.amount_total")
    def _compute_amount_reversed(self):
        for fapiao in self:
            reds = fapiao.red_fapiao_ids.filtered(lambda f: f.state == "issued")
            fapiao.amount_reversed = -float(sum(money.D(r.amount_total) for r in reds))

    @api.constrains("number")
    def _check_number(self):
        for fapiao in self.filtered("number"):
            try:
                validate_fapiao_number(fapiao.number)
            except FapiaoError as err:
                raise core_validation_error(self.env, err) from err

    # ------------------------------------------------------------------ CRUD
    def _workflow_fields(self):
        return super()._workflow_fields() | WORKFLOW_FIELDS

    def _workflow_complete(self, vals_list):
        """A fapiao created outside the preparation (an import, a script) has its company's
        seller data, like a prepared one."""
        vals_list = super()._workflow_complete(vals_list)
        Move = self.env["account.move"]
        return [
            {**self._seller_values(Move.browse(vals["move_id"]).company_id), **vals}
            if vals.get("move_id")
            else vals
            for vals in vals_list
        ]

    @api.model
    def _seller_values(self, company):
        return {
            "seller_name": company.name,
            "seller_tax_id": company.vat,
            "seller_address_phone": company.fapiao_address_phone
            or " ".join(filter(None, [company.partner_id.contact_address_inline, company.phone])),
            "seller_bank_account": company.fapiao_bank_account,
        }

    @api.model
    @transition
    def _create_prepared(self, vals_list):
        """Create fapiao from the values of _prepare_from_move (and the trade add-ons' splits):
        the one way a fapiao gets its seller and its trade's legal data."""
        return self.create(vals_list)

    def copy_data(self, default=None):
        if any(fapiao.direction == "red" for fapiao in self):
            raise UserError(_("A red fapiao comes only from a red-letter form: it is not copied."))
        return super().copy_data(default=default)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        for fapiao in self:
            if fapiao.state not in states.NEVER_ISSUED or fapiao.number:
                raise UserError(
                    _(
                        "Fapiao %s is known to the tax bureau and is archived for 10 years: "
                        "it cannot be deleted.",
                        fapiao.display_name,
                    )
                )

    def write(self, vals):
        frozen = {
            "move_id",
            "kind",
            "buyer_name",
            "buyer_tax_id",
            "buyer_natural_person",
            "buyer_id_type",
            "buyer_address_phone",
            "buyer_bank_account",
            "buyer_tax_id_enc",
            "buyer_address_phone_enc",
            "buyer_bank_account_enc",
            "remark",
            "line_ids",
        }
        if frozen & set(vals):
            self._check_editable()
        return super().write(vals)

    @api.depends("dialect", "error_code")
    def _compute_error_policy(self):
        for fapiao in self:
            code = fapiao.error_code
            fapiao.error_policy = code and errors.action(fapiao.dialect, code)

    @api.depends("state")
    def _compute_is_editable(self):
        for fapiao in self:
            fapiao.is_editable = fapiao.state in states.EDITABLE

    def _check_editable(self):
        """One rule for the header and its lines: only drafts and failed fapiao change."""
        if any(f.state not in states.EDITABLE for f in self):
            raise UserError(_("Only draft or failed fapiao can be changed."))
        held = self.filtered(lambda f: f.state == "failed" and f.error_retryable and f.order_no)
        if held:
            raise UserError(
                _(
                    "Fapiao %s failed at a step the platform retries (e.g. its seal): the "
                    "platform keeps it under its business key, so only the same content can be "
                    "issued again. Issue it again unchanged.",
                    held[0].display_name,
                )
            )

    # --------------------------------------------------------------- actions
    def action_submit(self):
        """Issue button. Above the company's threshold, Odoo's identity check comes first."""
        if any(
            f.company_id.fapiao_identity_check_amount
            and money.D(f.amount_total) > money.D(f.company_id.fapiao_identity_check_amount)
            for f in self
        ):
            return self._action_submit_checked()
        return self._submit()

    @second_factor
    @check_identity
    def _action_submit_checked(self):
        return self._submit()

    @transition
    def _submit(self):
        """Validate everything the platform will check, then queue the fapiao for issuing."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_issuer"):
            raise UserError(_("Only a Fapiao Issuer (开票员) may issue fapiao."))
        check_second_factor(self.env, self.company_id)
        for fapiao in self:
            if fapiao.state not in states.EDITABLE:
                raise UserError(_("Fapiao %s is not a draft.", fapiao.display_name))
            fapiao._check_before_issue()
        self._check_credit_line()
        Provider = self.env["tax.gateway.provider"]
        for fapiao in self:
            values = {
                "dialect": fapiao.dialect or Provider._of_company(fapiao.company_id).dialect,
                "state": "to_issue",
                "submitted_at": fields.Datetime.now(),
                "submitted_by_id": self.env.uid,
                "alert_level": 0,
                "order_no": fapiao.order_no or fapiao._new_order_no(),
            }
            # a fapiao the platform keeps after a failed step keeps its failure until the
            # platform issues it again: its job asks for that, under the same key
            if not (fapiao.error_retryable and fapiao.platform_serial):
                values.update(error_code=False, error_message=False, error_retryable=False)
            fapiao.write(values)
            fapiao._audit("submit")
            fapiao._enqueue_issue()
        return True

    @transition
    def action_reset_to_draft(self):
        """A fapiao still *To Issue* may have been sent by a job whose answer was lost: the
        platform is asked first, and a fapiao it knows is not reset but takes its answer."""
        for fapiao in self:
            if fapiao.state not in states.RESETTABLE:
                raise UserError(_("Only fapiao waiting to be issued or failed go back to draft."))
        known = self.filtered(
            lambda f: f.state == "to_issue" and f.order_no and f._settle_unknown_outcome()
        )
        (self - known).write({"state": "draft"})
        for fapiao in self - known:
            fapiao._audit("reset", detail=fapiao.order_no or "")
        if known:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Not reset"),
                    "message": _(
                        "The platform already has %s: it was not reset and follows the "
                        "platform's answer.",
                        ", ".join(known.mapped("display_name")),
                    ),
                    "sticky": True,
                    "type": "warning",
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    def _settle_unknown_outcome(self):
        """Ask the platform for this fapiao's business key before it may go back to draft:
        True when the platform knows it (its answer is taken), False when it never got it. The
        platform not answering refuses the reset: nothing is ever issued twice."""
        self.ensure_one()
        try:
            self._lock_for_platform()
        except LockNotAvailable as err:
            raise UserError(_("Fapiao %s is being sent right now.", self.display_name)) from err
        client = self._provider()._client()
        try:
            result = client.query(self.order_no, self._platform_request())
        except PlatformError as err:
            if err.code == client.NOT_FOUND:
                return False
            raise UserError(
                _(
                    "The platform cannot say now whether it received fapiao %(fapiao)s "
                    "(%(error)s): it stays to issue until it can.",
                    fapiao=self.display_name,
                    error=err.message,
                )
            ) from err
        with self._savepoint_keeping_tracking():
            done = self._apply_result_safely(result, client)
        if not done and self.state == "to_issue":
            self.state = "issuing"
            self._enqueue_poll()
        self._audit("reset_refused", detail=f"{self.order_no}: the platform has it")
        return True

    @transition
    def action_cancel(self):
        if any(f.state not in states.EDITABLE or f.number for f in self):
            raise UserError(
                _(
                    "Only fapiao that were never issued can be cancelled; "
                    "an issued fapiao is reversed by a red letter."
                )
            )
        self.write({"state": "cancelled"})
        for fapiao in self:
            fapiao._audit("cancel")

    @transition
    def action_void(self):
        """作废: only 数电 paper fapiao are voided; electronic ones are reversed by red letter."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may void a fapiao."))
        for fapiao in self:
            if fapiao.kind not in PAPER_KINDS:
                raise UserError(_("An electronic fapiao is never voided: issue a red letter."))
            if fapiao.state != "issued" or fapiao.amount_reversed:
                raise UserError(
                    _("Only an issued paper fapiao that was not reversed can be voided.")
                )
            if fapiao.issue_date and fapiao.issue_date.strftime(
                "%Y%m"
            ) != fields.Datetime.now().strftime("%Y%m"):
                raise UserError(_("A paper fapiao can only be voided in the month it was issued."))
            if not (fapiao.paper_code and fapiao.paper_number and fapiao.platform_serial):
                raise UserError(
                    _(
                        "The platform did not give the paper code and number of %s: void it "
                        "on the platform's own site.",
                        fapiao.display_name,
                    )
                )
        for fapiao in self:
            fapiao._void_at_platform()

    def _void_at_platform(self):
        """The platform voids first; Odoo records it only once the platform accepted. A void
        whose answer was lost leaves the fapiao issued: voiding again is answered as done."""
        self.ensure_one()
        provider = self._provider()
        if provider.state == "offline":
            raise UserError(
                _("Platform %s is offline: void the fapiao once it answers again.", provider.name)
            )
        sent = {
            "serial": self.platform_serial,
            "paper_code": self.paper_code,
            "paper_number": self.paper_number,
        }
        try:
            received = provider._client().void_paper(
                self.platform_serial, self.paper_code, self.paper_number
            )
        except PlatformError as err:
            raise UserError(
                _(
                    "The platform did not void fapiao %(fapiao)s: %(error)s",
                    fapiao=self.display_name,
                    error=self.env["tax.gateway.error"]._describe(
                        err.code, err.message, err.dialect
                    ),
                )
            ) from err
        self.write({"state": "voided"})
        self._audit("void", sent=sent, received=received)

    # ---------------------------------------------------------- business
    def _new_order_no(self):
        return new_order_no()

    def _check_before_issue(self, request=None):
        """Every refusal here happens before anything is sent, with a message naming the cause.
        ``request``: this fapiao's platform request, when the caller built it already."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(_("Fapiao %s has no line.", self.display_name))
        if self.move_id.state != "posted":
            raise UserError(_("Post invoice %s before issuing its fapiao.", self.move_id.name))
        if not self.seller_tax_id:
            raise UserError(_("Set the tax ID of company %s.", self.company_id.name))
        try:
            validate_tax_id(self.seller_tax_id)
        except FapiaoError as err:
            raise core_error(self.env, err) from err
        for index, line in enumerate(self.line_ids, start=1):
            if not line.tax_code_id:
                raise UserError(
                    _(
                        "Line %(line)s (%(name)s) has no tax classification code.",
                        line=index,
                        name=line.name,
                    )
                )
        self._check_platform_request(request)
        if self.kind in SPECIAL_KINDS:
            if self.buyer_natural_person:
                raise UserError(
                    _("A special VAT fapiao (专票) cannot be issued to a natural person.")
                )
            exempt = self.line_ids.filtered(
                lambda ln: ln.policy_flag in EXEMPT_FLAGS or not ln.tax_rate
            )
            if exempt:
                raise UserError(
                    _(
                        "Line %(line)s (%(name)s) is exempt: exempt sales go on an "
                        "ordinary fapiao (普票), never on a 专票.",
                        line=self.line_ids.ids.index(exempt[0].id) + 1,
                        name=exempt[0].name,
                    )
                )
            if not self.buyer_tax_id:
                raise UserError(_("A special VAT fapiao (专票) needs the buyer's tax ID."))
        buyer_tax_id = self._personal_clear("buyer_tax_id")
        if buyer_tax_id:
            try:
                validate_tax_id(
                    buyer_tax_id,
                    natural_person=self.buyer_natural_person,
                    id_type=self.buyer_id_type,
                )
            except FapiaoError as err:
                raise core_error(self.env, err) from err
        self._check_amounts()
        if self.direction == "blue":
            self._check_invoice_cap()

    def _check_invoice_cap(self):
        """However many fapiao an invoice has and however they were made, what its live blue
        fapiao carry (net of their red letters) never exceeds the invoice. The invoice row is
        locked first: two issuers submitting fapiao of one invoice at once are serialised."""
        self.ensure_one()
        move = self.move_id
        self.env.cr.execute(SQL("SELECT id FROM account_move WHERE id = %s FOR UPDATE", move.id))
        # reason: other users' fapiao of this invoice count too, whoever may read them
        others = (
            self.sudo()
            .search(
                [
                    ("move_id", "=", move.id),
                    ("direction", "=", "blue"),
                    ("state", "in", (*states.QUEUED, *states.LOCKED)),
                    ("id", "!=", self.id),
                ]
            )
            .filtered(lambda f: f.state != "reversed")
        )
        live = sum(money.D(f.amount_total) - money.D(f.amount_reversed) for f in others)
        total = live + money.D(self.amount_total)
        if money.cents(total) > money.cents(abs(money.D(move.amount_total))):
            raise UserError(
                _(
                    "Invoice %(invoice)s is %(amount)s: with this fapiao its fapiao would carry "
                    "%(total)s (%(live)s already issued or on the way). Nothing was sent.",
                    invoice=move.name,
                    amount=money.plain(abs(money.D(move.amount_total))),
                    total=money.plain(total),
                    live=money.plain(live),
                )
            )

    def _check_amounts(self):
        self.ensure_one()
        sign = -1 if self.direction == "red" else 1
        lines = [line._money_values() for line in self.line_ids]
        invoice_total = None
        if (
            self.direction == "blue"
            and len(
                self.move_id.fapiao_ids.filtered(
                    lambda f: f.direction == "blue" and f.state != "cancelled"
                )
            )
            == 1
        ):
            invoice_total = money.D(self.move_id.amount_total) * sign
        try:
            money.check_document(
                lines,
                money.D(self.amount_untaxed),
                money.D(self.amount_tax),
                invoice_total=invoice_total,
            )
        except FapiaoError as err:
            raise core_error(self.env, err) from err

    @transition
    def _mark_issued(self, number, issue_date, serial=None, paper=None, qr=None):
        """Record the platform's answer. Safe to call twice with the same answer. ``paper``:
        (发票代码, 发票号码) of a paper fapiao; ``qr``: the content of its QR code."""
        self.ensure_one()
        try:
            number = validate_fapiao_number(number)
        except FapiaoError as err:
            raise core_validation_error(self.env, err) from err
        if self.number and self.number != number:
            raise ValidationError(
                _(
                    "Fapiao %(fapiao)s already has number %(number)s.",
                    fapiao=self.display_name,
                    number=self.number,
                )
            )
        self.write(
            {
                "number": number,
                "issue_date": issue_date,
                "platform_serial": serial,
                "state": "issued",
                "error_code": False,
                "error_message": False,
                "error_retryable": False,
            }
        )
        # reason: whether the invoice's email waits for this fapiao, for the issuer's job
        if self.move_id.sudo().fapiao_send_waiting_by:
            self.move_id.sudo()._fapiao_send_when_issued()
        if paper and any(paper):
            code, paper_number = paper
            self.write({"paper_code": code or False, "paper_number": paper_number or False})
        if qr:
            self.qr_payload = qr
        self._audit("issued", detail=number)
        if self.origin_fapiao_id:
            self.origin_fapiao_id._update_reversal_state()

    @transition
    def _mark_failed(self, code, message, retryable=False, new_key=False):
        """``new_key``: the platform refused the content; a corrected resubmission gets a new
        business key (re-using the old one would only return the refusal again)."""
        values = {
            "state": "failed",
            "error_code": code,
            "error_message": message,
            "error_retryable": retryable,
        }
        if new_key:
            values["order_no"] = False
        self.write(values)
        for fapiao in self:
            fapiao._audit("failed", detail=f"{code}: {message}"[:250])

    def _red_amounts_left(self, exclude=None):
        """What live red forms leave of each line: {line id: (amount, tax)} as Decimals."""
        self.ensure_one()
        left = {line.id: (money.D(line.amount), money.D(line.tax_amount)) for line in self.line_ids}
        forms = self.env["tax.red.form"].search(
            [
                ("fapiao_id", "=", self.id),
                ("state", "in", states.FORM_LIVE),
                ("id", "not in", (exclude or self.env["tax.red.form"]).ids),
            ]
        )
        for line in forms.line_ids:
            amount, tax = left[line.blue_line_id.id]
            left[line.blue_line_id.id] = (
                amount - money.D(line.amount),
                tax - money.D(line.tax_amount),
            )
        return left

    @transition
    def _update_reversal_state(self):
        for fapiao in self:
            reversed_amount = money.D(fapiao.amount_reversed)
            if not reversed_amount:
                continue
            full = reversed_amount >= money.D(fapiao.amount_total)
            fapiao.state = "reversed" if full else "partially_reversed"

    def _audit(self, action, sent=None, received=None, detail=""):
        self.ensure_one()
        return self.env["tax.gateway.audit"]._append(
            self,
            action,
            amount=money.cents(self.amount_total),
            sent=sent,
            received=received,
            detail=detail or self.number or "",
        )

    # ------------------------------------------------------------ connector
    def _provider(self):
        return self.env["tax.gateway.provider"]._for_company(self.company_id)

    def _providers(self):
        """The platforms of these fapiao's companies, once each."""
        Provider = self.env["tax.gateway.provider"]
        return Provider.union(*(Provider._for_company(company) for company in self.company_id))

    def _check_submitter(self):
        """The job runs as the user who clicked Issue: it does only what that user could."""
        user = self.env.user
        if self.submitted_by_id and user != self.submitted_by_id:
            raise UserError(
                _("Fapiao %s is issued only with the rights of the user who submitted it.", self.id)
            )
        if not user.has_group("tax_gateway.group_fapiao_issuer"):
            raise UserError(
                _("%s is no longer a Fapiao Issuer (开票员): the fapiao is not sent.", user.name)
            )

    def _enqueue_issue(self):
        self.ensure_one()
        # the job runs with the rights of the 开票员 who submitted, also when a cron requeues it
        submitter = self.submitted_by_id or self.env.user
        self.with_user(submitter).with_delay(
            channel="root.fapiao",
            identity_key=f"tax_fapiao_issue_{self.id}",
            description=_("Issue fapiao %s", self.display_name),
        )._job_issue()

    def _enqueue_poll(self, delay=None):
        """The results of these fapiao are fetched by their platform's poll job, which asks
        for all the fapiao of its company still issuing, QUERY_BATCH per query."""
        for provider in self._providers():
            provider._enqueue_poll(delay)

    def _callback_enqueue_poll(self):
        """The platform called back about this fapiao: its platform's poll is asked for now, as
        the 开票员 who submitted the fapiao (as its issue job ran), or as the poll cron does
        (OdooBot) when that user left the company or was not recorded."""
        self.ensure_one()
        # reason: the callback's user reads no user; only the submitter's companies are read
        submitter = self.submitted_by_id.sudo()
        company = self.company_id.id
        fapiao = self.with_context(allowed_company_ids=[company])
        if submitter.active and company in submitter._get_company_ids():
            fapiao = fapiao.with_user(submitter)
        else:
            # reason: the poll cron's own user and mode, for this one poll
            fapiao = fapiao.with_user(self.env.ref("base.user_root")).sudo()
        fapiao._enqueue_poll(delay=0)

    def _lock_for_platform(self):
        """Row lock before any platform call: two workers never submit one fapiao together."""
        self.env.cr.execute("SELECT id FROM tax_fapiao WHERE id = %s FOR UPDATE NOWAIT", [self.id])

    @transition
    def _job_issue(self):
        """Queue job: submit the fapiao under its business key; safe to run more than once."""
        self.ensure_one()
        try:
            self._lock_for_platform()
        except LockNotAvailable as err:  # another worker is submitting it right now
            raise RetryableJobError(
                _("Fapiao %s is being submitted elsewhere.", self.id), seconds=10
            ) from err
        self.invalidate_recordset()
        if self.state not in states.AWAITING_PLATFORM:
            return f"nothing to do in state {self.state}"
        if not self.order_no:  # business key is stored before the first call
            raise UserError(_("Fapiao %s has no business key.", self.display_name))
        request = None  # built once, checked then sent: it decrypts the buyer's data
        if self.state == "to_issue":  # nothing sent yet: the checks of the Issue button again
            try:
                self._check_submitter()
                request = self._platform_request()
                self._check_before_issue(request=request)
            except UserError as err:
                self._mark_failed("CHECK", err.args[0])
                return f"refused before sending: {err.args[0]}"
        provider = self._provider()
        provider._check_online()
        if self.state == "to_issue" and provider.session_state in states.SESSION_HOLDS:
            return self._hold_for_login(provider.session_state)  # nothing is sent
        request = request or self._platform_request()
        client = provider._client()
        # a fapiao the platform keeps under its key after a failed step (its seal) is issued
        # again there, under that key; any other is submitted (at most once)
        again = self.error_retryable and self.platform_serial
        try:
            if again:
                result = client.reissue(request, self.platform_serial)
            else:
                result = client.issue(request)
        except PlatformError as err:
            self._audit("platform_issue", sent=request, received=[err.code, err.message])
            session = self._session_refusal(err, client, provider)
            if session:
                return self._hold_for_login(session)
            return self._platform_error(err)
        self._audit(
            "platform_reissue" if again else "platform_issue", sent=request, received=result
        )
        # The submission is written with its result, in this job's transaction: a fapiao the
        # platform issues at once is written once (to issue -> issued), not twice.
        done = (
            result.state != platform.PENDING and self._apply_result_safely(result, client)
        ) or self._query_on_submit(client, request)
        values = {}
        if self.state == "to_issue":  # still issuing, or its document held back for review
            values["state"] = "issuing"
        if result.serial and self.platform_serial != result.serial:
            values["platform_serial"] = result.serial
        if values:
            self.write(values)
        if done:
            return f"submitted as {result.serial}, status {self.state}"
        self._enqueue_poll()
        return f"submitted as {result.serial}"

    def _session_refusal(self, err, client, provider):
        """Whether a refusal is the drawer's session (logged out, identity due) rather than
        the fapiao's: a refusal the error table (fapiao_core.errors) does not put on the
        content, nor retries, makes the platform be asked; a code of class HOLD holds the
        fapiao even when the platform does not say. Returns the session state that holds the
        fapiao, or None."""
        if err.transient or err.unknown:
            return None
        action = errors.action(client.dialect, err.code)
        if action in (errors.NEW_KEY, errors.REISSUE):
            return None
        try:
            state = client.session_state()
        except PlatformError:
            state = None
        if state not in states.SESSION_HOLDS:
            if action != errors.HOLD:
                return None
            state = SESSION_LOGIN  # the platform's code says so, whatever its session query
        provider._set_session_state(state)
        return state

    @transition
    def _hold_for_login(self, session):
        """Neither failed nor blindly retried: the fapiao waits until the drawer logs in (or
        confirms their identity), then goes out in its turn."""
        self.ensure_one()
        message = (
            _(
                "The drawer must confirm their identity at the tax bureau (实名认证) before "
                "fapiao are issued: use Log In to the Tax Bureau."
            )
            if session == platform.SESSION_VERIFY
            else _(
                "The drawer is not logged in to the tax bureau (登录电子税务局): use Log In to "
                "the Tax Bureau. The fapiao goes out once the login is done."
            )
        )
        self.write({"state": "waiting_login", "error_code": "SESSION", "error_message": message})
        self._audit("waiting_login", detail=session)
        return f"waiting for the drawer's {session}"

    @transition
    def _release_after_login(self):
        """The drawer logged in: these fapiao go out in their order, under their keys."""
        for fapiao in self.filtered(lambda f: f.state == "waiting_login"):
            fapiao.write({"state": "to_issue", "error_code": False, "error_message": False})
            fapiao._audit("released", detail=fapiao.order_no or "")
            fapiao._enqueue_issue()

    def action_drawer_login(self):
        self.ensure_one()
        return self._provider().action_drawer_login()

    def _query_on_submit(self, client, request):
        """Ask for the result in the submitting job (provider setting): True when the platform
        is done. Whatever goes wrong here is left to the poll job: the submission itself is
        committed with this job, never undone by a failed query."""
        if not self._provider().query_on_submit:
            return False
        try:
            # the query outside the savepoint: its request-log rows (and the breaker) stay
            result = client.query(self.order_no, request)
            with self._savepoint_keeping_tracking():
                return self._apply_result_safely(result, client)
        except (PlatformError, RetryableJobError) as err:
            _logger.info("fapiao %s: result not taken at once (%s), polled later", self.id, err)
            return False

    @contextlib.contextmanager
    def _savepoint_keeping_tracking(self):
        """A savepoint like ``cr.savepoint()``, except that the chatter's tracking stays
        pending across it: a fapiao issued at once gets one message (to issue → issued), not
        one per step. ``cr.savepoint()`` runs the pre-commit hooks, which post the tracking
        message, on entering and leaving; this one only writes the ORM's pending updates."""
        self.env.flush_all()
        savepoint = Savepoint(self.env.cr)
        try:
            yield savepoint
            self.env.flush_all()
        except BaseException:
            self.env.transaction.clear()  # the cache may hold what is rolled back
            savepoint.close(rollback=True)
            raise
        savepoint.close(rollback=False)

    def _take_polled(self, outcome, client):
        """One fapiao's answer to a poll (Result or PlatformError), in a savepoint: what
        goes wrong with it is kept on it and rolled back alone."""
        self.ensure_one()
        try:
            with self._savepoint_keeping_tracking():
                if not isinstance(outcome, PlatformError):
                    self._apply_result_safely(outcome, client)
                elif not outcome.transient:
                    self._platform_error(outcome)
        except RetryableJobError as err:  # a document not downloaded this time
            _logger.info("fapiao %s: result not taken (%s), polled again", self.id, err)
        except (UserError, ValidationError) as err:  # e.g. a number other than the one it has
            _logger.warning("fapiao %s: result refused: %s", self.id, err)
            self._hold_for_review(
                "MISMATCH", self.env["tax.gateway.error"]._describe("MISMATCH", str(err))
            )

    @api.model
    def _cron_poll_issuing(self):
        """Safety net: jobs can be lost with a crashed worker; nothing waits forever."""
        waiting = self.search([("state", "in", states.AWAITING_PLATFORM)], limit=500)
        for fapiao in waiting.filtered(lambda f: f.state == "to_issue"):
            fapiao._enqueue_issue()
        waiting.filtered(lambda f: f.state == "issuing")._enqueue_poll(delay=0)

    @api.model
    def _cron_alert_waiting(self):
        """Nothing waits unnoticed: 24 h without a number alerts the managers; the fapiao is
        escalated at 36 h, before the 48 h mark."""
        now = fields.Datetime.now()
        waiting = self.search(
            [
                ("state", "in", states.IN_FLIGHT),
                ("submitted_at", "<=", now - ALERT_AFTER),
                ("alert_level", "<", 2),
            ],
            limit=500,
        )
        for fapiao in waiting:
            age = now - fapiao.submitted_at
            if age >= ESCALATE_AFTER:
                fapiao._alert(
                    2,
                    _(
                        "Escalated: fapiao not issued after %s hours",
                        int(age.total_seconds() // 3600),
                    ),
                )
            elif fapiao.alert_level < 1:
                fapiao._alert(1, _("Fapiao waiting for the platform for 24 hours"))
        return waiting

    @transition
    def _alert(self, level, summary):
        note = _(
            "Submitted %(when)s, still %(state)s. Check the platform (Configuration › Tax "
            "Platforms) or file it by hand from the export of waiting fapiao.",
            when=self.submitted_at,
            state=dict(self._fields["state"]._description_selection(self.env))[self.state],
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=self._manager_user().id,
            date_deadline=fields.Date.context_today(self),
        )
        self.message_post(body=_("%(summary)s. %(note)s", summary=summary, note=note))
        self.alert_level = level

    def _platform_error(self, err):
        """A refusal of the platform, as the error table classes it (fapiao_core.errors):
        retried by the job, or the fapiao fails (under a new key when its content was
        refused; kept under its key when the platform keeps it)."""
        if err.transient:
            raise RetryableJobError(f"{err.code}: {err.message}") from err
        action = errors.action(self.dialect, err.code)
        self._mark_failed(
            err.code,
            self.env["tax.gateway.error"]._describe(err.code, err.message, self.dialect),
            retryable=action == errors.REISSUE,
            new_key=action == errors.NEW_KEY,
        )
        return f"failed: {err.code}"

    def _apply_result_safely(self, result, client=None):
        """Like _apply_result, but a document that fails its checks (bad signature, totals that
        differ) is not accepted: the fapiao stays 'issuing' with the error shown, and managers
        get an activity. It is never marked failed, because the bureau did issue a number."""
        try:
            return self._apply_result(result, client)
        except PlatformError as err:
            if err.transient:
                raise RetryableJobError(f"{err.code}: {err.message}") from err
            self._hold_for_review(
                err.code,
                self.env["tax.gateway.error"]._describe(err.code, err.message, err.dialect),
            )
            return True

    @transition
    def _hold_for_review(self, code, message):
        """The platform's result is not taken: shown on the fapiao, and the managers get an
        activity to look at it."""
        self.write({"error_code": code, "error_message": message})
        self.message_post(body=message)
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Check the issued document"),
            note=message,
            user_id=self._manager_user().id,
        )

    def _manager_user(self):
        return self.company_id._fapiao_manager_user()

    @transition
    def _apply_result(self, result, client=None):
        """Take the platform's (neutral) result. Returns True when the platform has finished
        with this fapiao."""
        self.ensure_one()
        Error = self.env["tax.gateway.error"]
        if result.state == platform.PENDING:
            self.platform_serial = result.serial
            return False
        if result.state == platform.ISSUED:
            self._archive_documents(result, client)
            self._mark_issued(
                result.number,
                result.issued_at or fields.Datetime.now(),
                serial=result.serial,
                paper=(result.paper_code, result.paper_number),
                qr=result.qr or None,
            )
            return True
        if result.state == platform.VOIDED:  # voided at the platform, not by Odoo: a person looks
            raise PlatformError("VOIDED", _("The platform says this fapiao was voided there."))
        if result.state == platform.RETRY:  # the platform keeps it under its key: issue again
            self._mark_failed(
                result.code,
                Error._describe(result.code, result.message, self.dialect),
                retryable=True,
            )
            if result.serial and self.platform_serial != result.serial:
                self.platform_serial = result.serial
            return True
        # refused for its content: a corrected fapiao goes under a new key
        self._mark_failed(
            result.code, Error._describe(result.code, result.message, self.dialect), new_key=True
        )
        return True

    def _archive_documents(self, result, client=None):
        """Download XML, signature, PDF (and OFD) at once; verify the signature and the XML
        against the record before anything is kept."""
        provider = self._provider()
        # the XML, its detached signature, the PDF and the OFD (the original voucher)
        urls = {
            ext: result.documents[ext] for ext in platform.DOCUMENTS if result.documents.get(ext)
        }
        # every document is optional: the platform names those the account gets (the XML is an
        # option of the account); what is there is checked, what is not is said plainly
        files = (client or provider._client()).download_all(urls) if urls else {}
        sign = -1 if self.direction == "red" else 1
        total = sign * abs(money.cents(self.amount_total))
        xml = files.get("xml")
        if xml is None:
            if result.total is not None and money.cents(result.total) != total:
                raise PlatformError("MISMATCH", _("The platform's total differs from the fapiao."))
            note = _("The platform gave no XML of the issued fapiao: checked against its answer.")
        else:
            key = provider._document_key() if "sig" in files else None
            if key and not signature.verify_detached(key, xml, files["sig"].decode("ascii")):
                raise PlatformError(
                    "SIGNATURE", _("The platform's signature does not match."), transient=False
                )
            parsed = einvoice.parse(xml)
            if parsed["number"] != result.number or parsed["total"] != total:
                raise PlatformError("MISMATCH", _("The issued document does not match the fapiao."))
            if key:
                note = False
            elif "sig" in files:
                note = _(
                    "The platform signed the XML, but provider %s has no Platform Signing Key to "
                    "check it with.",
                    provider.name,
                )
            else:
                note = _("The issued XML carries no signature this connector can check.")
        self.write(
            {"signature_state": "unverified" if note else "verified", "signature_note": note}
        )
        mimetypes = {
            "xml": "application/xml",
            "pdf": "application/pdf",
            "ofd": "application/ofd",
            "sig": "text/plain",
        }
        documents = [(ext, mimetypes[ext], content) for ext, content in files.items()]
        self.env["ir.attachment"].create(
            [
                {
                    "name": f"{result.number}.{ext}",
                    "mimetype": mimetype,
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                }
                for ext, mimetype, content in documents
            ]
        )

    def _platform_request(self):
        """This fapiao as the neutral request every platform's dialect takes."""
        self.ensure_one()
        buyer = self._personal_values()
        provider = self.env["tax.gateway.provider"]._of_company(self.company_id)
        return platform.FapiaoRequest(
            business_key=self.order_no or "",
            kind=self.kind,
            direction=self.direction,
            issued_at=fields.Datetime.now(),
            seller=platform.Party(
                name=self.seller_name or "",
                tax_id=self.seller_tax_id or "",
                address_phone=self.seller_address_phone or "",
                bank_account=self.seller_bank_account or "",
            ),
            buyer=platform.Party(
                name=self.buyer_name or "",
                tax_id=buyer["buyer_tax_id"] or "",
                address_phone=buyer["buyer_address_phone"] or "",
                bank_account=buyer["buyer_bank_account"] or "",
                natural_person=self.buyer_natural_person,
                id_type=self.buyer_id_type or "",
                email=self.buyer_email or "",
            ),
            lines=tuple(line._platform_line() for line in self.line_ids),
            drawer=self.drawer_id.name or "",
            remark=self.remark or "",
            callback_url=(provider.callback_url or "") if provider else "",
            vehicle=self._platform_vehicle(),
        )

    def _check_platform_request(self, request=None):
        """What the company's platform needs of this request's shape, then what the bureau
        needs whatever the platform (a vehicle's data on a 机动车 fapiao): refused before
        anything is sent, with the field named."""
        self.ensure_one()
        request = request or self._platform_request()
        try:
            provider = self.env["tax.gateway.provider"]._of_company(self.company_id)
            if provider:
                provider._check_request(request)
            platform.check_request(request)
        except FapiaoError as err:
            raise core_error(self.env, err) from err

    def _check_credit_line(self):
        """Refuse, before anything is sent, blue fapiao that would go over what is left of the
        month's credit line (授信额度, tax excluded)."""
        for company in self.company_id:
            blue = self.filtered(lambda f, c=company: f.company_id == c and f.direction == "blue")
            if blue:
                wanted = sum((money.D(f.amount_untaxed) for f in blue), money.D(0))
                self._check_credit_left(company, wanted, exclude=blue)

    @api.model
    def _check_credit_left(self, company, wanted, exclude=None, read=True):
        """What is left of the month's credit line: what the platform last said, less what
        went out since (blue fapiao submitted since, other than ``exclude``). ``wanted`` (tax
        excluded) above it is refused, naming both amounts. Unknown (never read, platform
        unreachable, no platform yet): not checked here, the platform still refuses (E9160).
        ``read=False``: the figure last read only, the platform is not asked."""
        provider = self.env["tax.gateway.provider"]._of_company(company)
        known = provider._credit_line(read=read) if provider else None
        if known is None:
            return
        available, checked_at = known
        since = self.search(
            [
                ("company_id", "=", company.id),
                ("direction", "=", "blue"),
                # sent since the platform's figure: waiting, issuing or issued meanwhile
                ("state", "not in", states.NEVER_ISSUED),
                ("submitted_at", ">=", checked_at),
                ("id", "not in", (exclude or self.browse()).ids),
            ]
        )
        left = available - sum((money.D(f.amount_untaxed) for f in since), money.D(0))
        if wanted > left:
            amounts = {"wanted": f"{wanted:,.2f}", "left": f"{left:,.2f}"}
            raise UserError(
                _(
                    "These fapiao come to %(wanted)s before tax, but only %(left)s is left "
                    "of this month's credit line (授信额度) at the platform. Ask the tax "
                    "office to raise the line, or issue less this month.",
                    **amounts,
                )
            )

    def _platform_vehicle(self):
        """The vehicle this fapiao sells, as neutral data (fapiao_core.platform.VEHICLE_KEYS), or
        None; the vehicle trade fills it in from the VIN's lot."""
        return None

    @api.model
    def _prepare_from_move(self, move, kind=None, lines=None):
        """Values of a blue fapiao for ``move`` (all product lines unless ``lines`` is given)."""
        company = move.company_id
        partner = move.commercial_partner_id
        values = {
            "move_id": move.id,
            "kind": kind or partner.fapiao_kind or "82",
            **self._seller_values(company),
            "drawer_id": (company.fapiao_drawer_id or self.env.user).id,
            "line_ids": [
                fields.Command.create(self.env["tax.fapiao.line"]._prepare_from_move_line(ml))
                for ml in (lines if lines is not None else move._fapiao_product_lines())
            ],
        }
        values.update(partner._fapiao_buyer_values())
        return values
