import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tg_core import FapiaoError, money
from ..tg_core.validators import validate_fapiao_number, validate_tax_id
from .tax_classification import EXEMPT_FLAGS
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
SPECIAL_KINDS = ("81", "85")
PAPER_KINDS = ("85", "86", "87")
STATES = [
    ("draft", "Draft"),
    ("to_issue", "To Issue"),
    ("issuing", "Issuing"),
    ("issued", "Issued"),
    ("failed", "Failed"),
    ("partially_reversed", "Partially Reversed"),
    ("reversed", "Reversed"),
    ("voided", "Voided"),
    ("cancelled", "Cancelled"),
]
# States in which the tax bureau knows the document: the accounting side is frozen.
LOCKED_STATES = ("issuing", "issued", "partially_reversed", "reversed")


class TaxFapiao(models.Model):
    """A fapiao (发票) as the tax platform issues it. One invoice can yield several (splits)."""

    _name = "tax.fapiao"
    _description = "Fapiao"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

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
    origin_fapiao_id = fields.Many2one(
        "tax.fapiao", string="Reversed Fapiao", readonly=True, ondelete="restrict", index=True
    )
    red_fapiao_ids = fields.One2many("tax.fapiao", "origin_fapiao_id")
    order_no = fields.Char(
        string="Business Key",
        readonly=True,
        copy=False,
        index=True,
        help="Sent as orderNo; fixed before the first call and reused on every retry.",
    )
    platform_serial = fields.Char(readonly=True, copy=False)
    issue_date = fields.Datetime(string="Issued On", readonly=True, copy=False)
    error_code = fields.Char(readonly=True, copy=False)
    error_message = fields.Text(readonly=True, copy=False)
    error_retryable = fields.Boolean(readonly=True, copy=False)
    # seller, from the company at preparation time
    seller_name = fields.Char(readonly=True)
    seller_tax_id = fields.Char(readonly=True)
    seller_address_phone = fields.Char(readonly=True)
    seller_bank_account = fields.Char(readonly=True)
    # buyer, from the partner's fapiao profile at preparation time
    buyer_name = fields.Char()
    buyer_tax_id = fields.Char(string="Buyer Tax ID")
    buyer_natural_person = fields.Boolean()
    buyer_address_phone = fields.Char()
    buyer_bank_account = fields.Char()
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

    @api.depends("number", "state", "direction")
    def _compute_name(self):
        for fapiao in self:
            if fapiao.number:
                fapiao.name = fapiao.number
            else:
                prefix = _("Red Fapiao") if fapiao.direction == "red" else _("Fapiao")
                fapiao.name = f"{prefix} ({_('draft')} #{fapiao.id or '-'})"

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
    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        for fapiao in self:
            if fapiao.state not in ("draft", "cancelled", "failed") or fapiao.number:
                raise UserError(
                    _(
                        "Fapiao %s is known to the tax bureau and is archived for 10 years: "
                        "it cannot be deleted.",
                        fapiao.display_name,
                    )
                )

    def write(self, vals):
        frozen = {
            "kind",
            "buyer_name",
            "buyer_tax_id",
            "buyer_natural_person",
            "buyer_address_phone",
            "buyer_bank_account",
            "remark",
            "line_ids",
        }
        if frozen & set(vals) and any(f.state not in ("draft", "failed") for f in self):
            raise UserError(_("Only draft or failed fapiao can be changed."))
        return super().write(vals)

    # --------------------------------------------------------------- actions
    def action_submit(self):
        """Validate everything the platform will check, then queue the fapiao for issuing."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_issuer"):
            raise UserError(_("Only a Fapiao Issuer (开票员) may issue fapiao."))
        for fapiao in self:
            if fapiao.state not in ("draft", "failed"):
                raise UserError(_("Fapiao %s is not a draft.", fapiao.display_name))
            fapiao._check_before_issue()
            fapiao.write(
                {
                    "state": "to_issue",
                    "order_no": fapiao.order_no or fapiao._new_order_no(),
                    "error_code": False,
                    "error_message": False,
                    "error_retryable": False,
                }
            )
        return True

    def action_reset_to_draft(self):
        for fapiao in self:
            if fapiao.state not in ("to_issue", "failed"):
                raise UserError(_("Only fapiao waiting to be issued or failed go back to draft."))
        self.write({"state": "draft"})

    def action_cancel(self):
        if any(f.state not in ("draft", "failed") or f.number for f in self):
            raise UserError(
                _(
                    "Only fapiao that were never issued can be cancelled; "
                    "an issued fapiao is reversed by a red letter."
                )
            )
        self.write({"state": "cancelled"})

    def action_void(self):
        """作废: only 数电 paper fapiao are voided; electronic ones are reversed by red letter."""
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
        self.write({"state": "voided"})

    # ---------------------------------------------------------- business
    def _new_order_no(self):
        return f"TG{self.id:010d}{uuid.uuid4().hex[:12].upper()}"

    def _check_before_issue(self):
        """Every refusal here happens before anything is sent, with a message naming the cause."""
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
        if self.buyer_tax_id:
            try:
                validate_tax_id(self.buyer_tax_id, natural_person=self.buyer_natural_person)
            except FapiaoError as err:
                raise core_error(self.env, err) from err
        self._check_amounts()

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

    def _mark_issued(self, number, issue_date, serial=None):
        """Record the platform's answer. Safe to call twice with the same answer."""
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
            }
        )
        self.move_id._update_fapiao_number()
        if self.origin_fapiao_id:
            self.origin_fapiao_id._update_reversal_state()

    def _mark_failed(self, code, message, retryable=False):
        self.write(
            {
                "state": "failed",
                "error_code": code,
                "error_message": message,
                "error_retryable": retryable,
            }
        )

    def _update_reversal_state(self):
        for fapiao in self:
            reversed_amount = money.D(fapiao.amount_reversed)
            if not reversed_amount:
                continue
            full = reversed_amount >= money.D(fapiao.amount_total)
            fapiao.state = "reversed" if full else "partially_reversed"

    @api.model
    def _prepare_from_move(self, move, kind=None, lines=None):
        """Values of a blue fapiao for ``move`` (all product lines unless ``lines`` is given)."""
        company = move.company_id
        partner = move.commercial_partner_id
        values = {
            "move_id": move.id,
            "kind": kind or partner.fapiao_kind or "82",
            "seller_name": company.name,
            "seller_tax_id": company.vat,
            "seller_address_phone": company.fapiao_address_phone
            or " ".join(filter(None, [company.partner_id.contact_address_inline, company.phone])),
            "seller_bank_account": company.fapiao_bank_account,
            "drawer_id": (company.fapiao_drawer_id or self.env.user).id,
            "line_ids": [
                fields.Command.create(self.env["tax.fapiao.line"]._prepare_from_move_line(ml))
                for ml in (lines if lines is not None else move._fapiao_product_lines())
            ],
        }
        values.update(partner._fapiao_buyer_values())
        return values
