from fapiao_core import FapiaoError, money, states
from fapiao_core.validators import validate_fapiao_number

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from .tax_gateway_guarded_mixin import identity_recently_checked
from .tg_messages import core_validation_error


class AccountMove(models.Model):
    _inherit = "account.move"

    # l10n_cn's field, widened from 8 to 20 digits: legacy 8-digit numbers stay valid, 数电
    # numbers fill it automatically from the issued fapiao (the first one when split).
    fapiao = fields.Char(size=20, compute="_compute_fapiao", store=True, readonly=False)
    fapiao_ids = fields.One2many("tax.fapiao", "move_id", groups="tax_gateway.group_fapiao_user")
    red_form_ids = fields.One2many(
        "tax.red.form", "move_id", string="Red Letters", groups="tax_gateway.group_fapiao_user"
    )
    # The counts and the red-letter flag are read by the invoice form of every billing user,
    # fapiao rights or not (the flag explains why a credit note waits): computed as superuser,
    # they reveal only how many fapiao the user's own invoice has, never their content.
    red_form_count = fields.Integer(compute="_compute_red_form_count", compute_sudo=True)
    needs_red_letter = fields.Boolean(
        compute="_compute_red_form_count",
        compute_sudo=True,
        help="A credit note of an invoice whose fapiao the tax bureau knows: it is posted "
        "once its red-letter fapiao is issued.",
    )
    fapiao_count = fields.Integer(compute="_compute_fapiao_count", compute_sudo=True)
    fapiao_send_waiting_by = fields.Many2one(
        "res.users",
        string="Email Waiting for the Fapiao",
        copy=False,
        readonly=True,
        help="Send & Print asked for the fapiao: the invoice's email goes, from this user, once "
        "its fapiao are issued.",
    )
    fapiao_state = fields.Selection(
        [
            ("none", "Not Invoiced"),
            ("draft", "Prepared"),
            ("to_issue", "To Issue"),
            ("issuing", "Issuing"),
            ("issued", "Issued"),
            ("failed", "Failed"),
            ("partially_reversed", "Partially Reversed"),
            ("reversed", "Reversed"),
        ],
        compute="_compute_fapiao_state",
        store=True,
        string="Fapiao Status",
    )

    @api.depends("fapiao_ids")
    def _compute_fapiao_count(self):
        for move in self:
            move.fapiao_count = len(move.fapiao_ids)

    @api.depends("red_form_ids", "reversed_entry_id.fapiao_ids.state")
    def _compute_red_form_count(self):
        for move in self:
            move.red_form_count = len(move.red_form_ids)
            move.needs_red_letter = move._needs_red_letter()

    def _bureau_fapiao(self):
        """The fapiao of these moves, read as superuser: the locks the tax bureau puts on an
        invoice (no reset, no cancel, no deletion, a credit note only with its red letter)
        hold for every user who may touch the invoice, a billing clerk without any fapiao
        right included, who would otherwise get an AccessError from Odoo's own flows. Only
        the checks read them; nothing is shown or written through this."""
        return self.sudo().fapiao_ids

    def _bureau_red_forms(self):
        """The red letters of these credit notes, as superuser (see _bureau_fapiao)."""
        return self.sudo().red_form_ids

    def _needs_red_letter(self):
        self.ensure_one()
        origin = self.reversed_entry_id
        return (
            bool(origin)
            and self.move_type == self._fapiao_refund_types().get(origin.move_type)
            and any(
                f.direction == "blue" and f.state in states.LOCKED for f in origin._bureau_fapiao()
            )
        )

    @api.model
    def _fapiao_refund_types(self):
        """Moves whose fapiao are reversed by red letter, and the type of their credit notes
        (fruit_invoice adds farm purchase bills and their vendor refunds)."""
        return {"out_invoice": "out_refund"}

    @api.depends("fapiao_ids.state", "fapiao_ids.direction")
    def _compute_fapiao_state(self):
        priority = [
            "failed",
            "issuing",
            "to_issue",
            "draft",
            "partially_reversed",
            "reversed",
            "issued",
        ]
        for move in self:
            present = {
                # held for the drawer's login: to the invoice, still to issue
                "to_issue" if state == "waiting_login" else state
                for state in move.fapiao_ids.filtered(
                    lambda f: f.direction == "blue" and f.state not in states.GIVEN_UP
                ).mapped("state")
            }
            move.fapiao_state = next((s for s in priority if s in present), "none")

    @api.constrains("fapiao")
    def _check_fapiao(self):
        for move in self.filtered("fapiao"):
            if len(move.fapiao) == 8 and move.fapiao.isdecimal():
                continue  # legacy 税控 number
            try:
                validate_fapiao_number(move.fapiao)
            except FapiaoError as err:
                raise core_validation_error(self.env, err) from err

    @api.depends("fapiao_ids.number", "fapiao_ids.direction")
    def _compute_fapiao(self):
        """The first number the platform gave (by fapiao id). A number already there, typed
        in or legacy, is kept: not assigning keeps a stored field's value. Computed rather
        than written: account.move.write re-checks the whole entry (lines, balance, terms),
        a third of an issuing job, for a number that changes no amount; the tracking of
        l10n_cn's field still logs it in the chatter."""
        for move in self.filtered(lambda m: not m.fapiao):
            direction = "red" if move.move_type in ("out_refund", "in_refund") else "blue"
            issued = move.fapiao_ids.filtered(
                lambda f, direction=direction: f.direction == direction and f.number
            )
            if issued:
                move.fapiao = issued.sorted("id")[0].number

    def _fapiao_product_lines(self):
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda ln: ln.display_type == "product")

    def _has_locked_fapiao(self):
        self.ensure_one()
        return any(f.state in states.LOCKED for f in self._bureau_fapiao())

    # ------------------------------------------------- accounting is frozen
    @api.depends("fapiao_ids.state")
    def _compute_show_reset_to_draft_button(self):  # pylint: disable=missing-return
        super()._compute_show_reset_to_draft_button()
        for move in self:
            if move._has_locked_fapiao():
                move.show_reset_to_draft_button = False

    def _check_draftable(self):
        for move in self:
            if move._has_locked_fapiao():
                raise UserError(
                    _(
                        "Invoice %s has a fapiao known to the tax bureau: it cannot go back to "
                        "draft or be cancelled. Reverse it with a credit note and a red-letter "
                        "fapiao.",
                        move.name,
                    )
                )
        return super()._check_draftable()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_fapiao(self):
        for move in self:
            if move._bureau_fapiao().filtered(lambda f: f.state not in states.UNSUBMITTED):
                raise UserError(_("Invoice %s has fapiao and cannot be deleted.", move.name))
            if move._bureau_red_forms().filtered(lambda f: f.state not in states.FORM_UNSUBMITTED):
                raise UserError(
                    _("Credit note %s has a red letter at the bureau: it stays.", move.name)
                )

    def button_cancel(self):
        for move in self:
            if move._bureau_red_forms().filtered(
                lambda f: f.state not in states.FORM_NOT_AT_BUREAU
            ):
                raise UserError(
                    _(
                        "Credit note %s has a red letter at the bureau: revoke it there first.",
                        move.name,
                    )
                )
        return super().button_cancel()

    # ------------------------------------------------ red letters (红字)
    def _reverse_moves(self, default_values_list=None, cancel=False):
        """Odoo lets an invoice be reversed again and again; one with a fapiao the bureau
        knows is reversed once per amount, by a draft credit note and its red letter."""
        refundable = self._fapiao_refund_types()
        for move in self.filtered(lambda m: m.move_type in refundable and m._has_locked_fapiao()):
            move._check_reversible_by_red_letter(cancel)
        reverses = super()._reverse_moves(default_values_list, cancel=cancel)
        for reverse in reverses:
            origin = reverse.reversed_entry_id
            if origin.move_type in refundable and origin._has_locked_fapiao():
                # the copy keeps the line order: pair each credit line with the line it reverses
                pairs = zip(
                    reverse._fapiao_product_lines().sorted(lambda ln: (ln.sequence, ln.id)),
                    origin._fapiao_product_lines().sorted(lambda ln: (ln.sequence, ln.id)),
                    strict=False,
                )
                for credit_line, invoice_line in pairs:
                    credit_line.fapiao_origin_line_id = invoice_line
        return reverses

    def _check_reversible_by_red_letter(self, cancel):
        self.ensure_one()
        if cancel or self.env.context.get("move_reverse_cancel"):
            raise UserError(
                _(
                    "Invoice %s has an issued fapiao: it is reversed by a credit note that is "
                    "posted only once its red-letter fapiao is issued. Use Reverse (not Reverse "
                    "and Create Invoice).",
                    self.name,
                )
            )
        draft = self.reversal_move_ids.filtered(lambda m: m.state == "draft")
        if draft:
            raise UserError(
                _(
                    "Invoice %(invoice)s already has the draft credit note %(credit)s: finish "
                    "its red letter (or delete it) before reversing again.",
                    invoice=self.name,
                    credit=draft[0].display_name,
                )
            )
        blue = self._bureau_fapiao().filtered(
            lambda f: f.direction == "blue" and f.state != "cancelled"
        )
        # a buyer's form being answered is the reason for this reversal: it does not count
        answering = blue.env["tax.red.form"].browse(self.env.context.get("fapiao_red_form_id"))
        if not any(
            amount > 0
            for f in blue
            for amount, _tax in f._red_amounts_left(exclude=answering).values()
        ):
            raise UserError(
                _(
                    "The fapiao of invoice %s are already fully reversed: it cannot be "
                    "reversed again.",
                    self.name,
                )
            )

    def _credit_note_for_red_letter(self, form):
        """A draft credit note for a red letter the buyer raised (the accountant adjusts it to
        the red amounts of a partial form before it can be posted)."""
        self.ensure_one()
        credit = self.with_context(fapiao_red_form_id=form.id)._reverse_moves(
            [{"ref": _("Red letter %s", form.bill_no), "date": fields.Date.context_today(self)}]
        )
        credit.message_post(
            body=_(
                "Created for the red letter %(form)s raised by the buyer (total %(total)s).",
                form=form.bill_no,
                total=money.plain(-money.D(form.amount_total)),
            )
        )
        return credit

    def action_request_red_letter(self):
        """Prepare the red form(s) of this draft credit note, one per blue fapiao it reverses."""
        self.ensure_one()
        if not self._needs_red_letter() or self.state != "draft":
            raise UserError(
                _(
                    "Red letters are requested from a draft credit note of an invoice "
                    "with an issued fapiao."
                )
            )
        live = self.red_form_ids.filtered(lambda f: f.state not in states.FORM_GIVEN_UP)
        if live:
            return live._action_view()
        return self._create_red_forms()._action_view()

    def _create_red_forms(self):
        """Draft red forms of this credit note, one per blue fapiao it reverses."""
        self.ensure_one()
        forms = self.env["tax.red.form"].create(self._red_form_values())
        for form in forms:
            form._check_amounts_left()
        return forms

    def _red_form_values(self):
        """Spread each credit-note line over the blue fapiao lines of the invoice line it
        reverses, within what is left of them. Refuses what would reverse more than was issued."""
        self.ensure_one()
        blue = self.reversed_entry_id.fapiao_ids.filtered(
            lambda f: f.direction == "blue" and f.state in states.REVERSIBLE
        )
        left = {}
        for fapiao in blue:
            left.update(fapiao._red_amounts_left())
        by_fapiao = {}
        for line in self._fapiao_product_lines():
            if not line.fapiao_origin_line_id:
                raise UserError(
                    _(
                        "Credit note line %s does not reverse an invoice line: a red letter "
                        "only reverses what the fapiao showed.",
                        line.display_name,
                    )
                )
            amount = money.cents(line.price_subtotal)
            tax = money.cents(money.D(line.price_total) - money.D(line.price_subtotal))
            quantity = money.D(line.quantity)
            targets = blue.line_ids.filtered(
                lambda bl, ml=line: bl.move_line_id == ml.fapiao_origin_line_id
            )
            for target in targets:
                if amount <= 0:
                    break
                left_amount, left_tax = left[target.id]
                if left_amount <= 0:
                    continue
                take = min(amount, left_amount)
                take_tax = tax if take == amount else min(tax, money.cents(tax * take / amount))
                take_qty = quantity if take == amount else quantity * take / amount
                by_fapiao.setdefault(target.fapiao_id, []).append(
                    Command.create(
                        {
                            "blue_line_id": target.id,
                            "move_line_id": line.id,
                            "quantity": float(round(take_qty, 8)),
                            "amount": float(take),
                            "tax_amount": float(take_tax),
                        }
                    )
                )
                left[target.id] = (left_amount - take, left_tax - take_tax)
                amount, tax, quantity = amount - take, tax - take_tax, quantity - take_qty
            if amount > 0:
                raise UserError(
                    _(
                        "Credit note line %(line)s reverses %(amount)s more than is left on the "
                        "fapiao: the red amount may never exceed the blue one.",
                        line=line.display_name,
                        amount=money.plain(amount),
                    )
                )
        if not by_fapiao:
            raise UserError(
                _("Nothing left to reverse on the fapiao of %s.", self.reversed_entry_id.name)
            )
        return [
            {
                "fapiao_id": fapiao.id,
                "move_id": self.id,
                "reason": self.env.context.get("fapiao_red_reason") or "01",
                "line_ids": lines,
            }
            for fapiao, lines in by_fapiao.items()
        ]

    def action_view_red_forms(self):
        self.ensure_one()
        return self.red_form_ids._action_view()

    def _post(self, soft=True):
        for move in self.filtered(lambda m: m._needs_red_letter()):
            move._check_red_letters_issued()
        self._check_credit_note_has_origin()
        return super()._post(soft=soft)

    def _check_credit_note_has_origin(self):
        """A credit note typed by hand (no invoice it reverses) for a customer with live issued
        fapiao could reverse revenue the bureau still counts, with no red letter: it must be
        made from the invoice it reverses (its Credit Note button), which pairs its lines and
        asks for the red letter when that invoice has a fapiao."""
        refund_types = set(self._fapiao_refund_types().values())
        orphans = self.filtered(lambda m: m.move_type in refund_types and not m.reversed_entry_id)
        if not orphans:
            return
        invoice_types = list(self._fapiao_refund_types())
        # reason: the bureau's lock holds for users without fapiao rights (see _bureau_fapiao)
        fapiao = self.env["tax.fapiao"].sudo()
        for move in orphans:
            live = fapiao.search_count(
                [
                    ("move_id.commercial_partner_id", "=", move.commercial_partner_id.id),
                    ("move_id.move_type", "in", invoice_types),
                    ("company_id", "=", move.company_id.id),
                    ("direction", "=", "blue"),
                    ("state", "in", ("issuing", *states.REVERSIBLE)),
                ],
                limit=1,
            )
            if live:
                raise UserError(
                    _(
                        "Credit note %(credit)s reverses no invoice, while %(partner)s has "
                        "invoices with an issued fapiao: the tax bureau needs a red-letter "
                        "fapiao for any reversal of what a fapiao showed. Create the credit note "
                        "from the invoice it reverses (its Credit Note button); for an invoice "
                        "without a fapiao, no red letter is asked.",
                        credit=move.display_name,
                        partner=move.commercial_partner_id.display_name,
                    )
                )

    def _check_red_letters_issued(self):
        self.ensure_one()
        live = self._bureau_red_forms().filtered(lambda f: f.state not in states.FORM_GIVEN_UP)
        if not live or any(f.state != "issued" for f in live):
            raise UserError(
                _(
                    "Credit note %s reverses an invoice with an issued fapiao: it can only be "
                    "posted once its red-letter fapiao is issued (Request Red Letter).",
                    self.display_name,
                )
            )
        red_total = -sum(money.D(f.red_fapiao_id.amount_total) for f in live)
        if money.differs(red_total, self.amount_total):
            raise UserError(
                _(
                    "Credit note %(credit)s totals %(total)s but its red fapiao total "
                    "%(red)s: adjust the credit note to the red letter.",
                    credit=self.display_name,
                    total=money.plain(money.D(self.amount_total)),
                    red=money.plain(red_total),
                )
            )

    def _post_after_red_letter(self):
        """Once every red letter of a draft credit note is issued, post and reconcile it."""
        for move in self.filtered(lambda m: m.state == "draft" and m._needs_red_letter()):
            live = move.red_form_ids.filtered(lambda f: f.state not in states.FORM_GIVEN_UP)
            if any(f.state != "issued" for f in live):
                continue
            try:
                with self.env.cr.savepoint():
                    move._post(soft=False)
            except UserError as err:
                move.message_post(body=str(err))
                continue
            receivable = (move.line_ids + move.reversed_entry_id.line_ids).filtered(
                lambda ln: ln.account_id.account_type in ("asset_receivable", "liability_payable")
                and not ln.reconciled
            )
            if len(receivable.move_id) == 2:
                receivable.reconcile()

    # ------------------------------------------------------ issuing in one step
    def action_issue_fapiao(self):
        """开具数电票 on posted invoices (one, or a selection in the list): prepare their fapiao
        and submit them, Odoo's identity check first when one is above the company's amount."""
        fapiao = self.env["tax.fapiao"]
        for move in self:
            move.action_prepare_fapiao()
            fapiao |= move.fapiao_ids.filtered(
                lambda f: f.direction == "blue" and f.state in states.EDITABLE
            )
        if not fapiao:
            raise UserError(_("These invoices have no fapiao left to issue."))
        answer = fapiao.action_submit()
        if isinstance(answer, dict):
            return answer  # Odoo's identity check first
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Issuing fapiao"),
                "message": _("%s fapiao submitted to the tax platform.", len(fapiao)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _fapiao_issue_for_sending(self):
        """Send & Print's 开具数电票: submit this invoice's fapiao. True when the email must
        wait for them (some are not issued yet)."""
        self.ensure_one()
        self.action_prepare_fapiao()
        blue = self.fapiao_ids.filtered(
            lambda f: f.direction == "blue" and f.state not in states.GIVEN_UP
        )
        drafts = blue.filtered(lambda f: f.state in states.EDITABLE)
        limit = money.D(self.company_id.fapiao_identity_check_amount)
        above = limit and any(money.D(f.amount_total) > limit for f in drafts)
        # Odoo's identity check is a dialog, which neither Send & Print nor its batch cron has:
        # above the amount, only a password typed in the last minutes lets the fapiao go
        if above and not (request and identity_recently_checked()):
            raise UserError(
                _(
                    "The fapiao of %s is above the amount that asks for the password again: "
                    "issue it from the invoice (开具数电票), then send it.",
                    self.name,
                )
            )
        if drafts:
            drafts._submit()
        if all(f.state == "issued" for f in blue):
            return False
        self.sudo().fapiao_send_waiting_by = self.env.user  # reason: set for the sender
        self.message_post(
            body=_("The fapiao are being issued: the invoice is emailed once they are issued.")
        )
        return True

    def _fapiao_send_when_issued(self):
        """A fapiao of these invoices was issued: the invoices whose email waited for their
        fapiao, and whose fapiao are all issued now, go to Odoo's sending cron."""
        ready = self.filtered(
            lambda m: m.fapiao_send_waiting_by
            and all(
                f.state == "issued"
                for f in m._bureau_fapiao().filtered(
                    lambda f: f.direction == "blue" and f.state not in states.GIVEN_UP
                )
            )
        )
        for move in ready.sudo():  # reason: the sending cron's data, for the user who sent
            author = move.fapiao_send_waiting_by
            move.write(
                {
                    "sending_data": {
                        "author_user_id": author.id,
                        "author_partner_id": author.partner_id.id,
                    },
                    "fapiao_send_waiting_by": False,
                }
            )
        if ready:
            self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _fapiao_pdf_attachments(self):
        """The archived PDF of this invoice's issued blue fapiao."""
        issued = self._bureau_fapiao().filtered(
            lambda f: f.direction == "blue" and f.state == "issued"
        )
        if not issued:
            return self.env["ir.attachment"]
        return (
            self.env["ir.attachment"]
            .sudo()  # reason: the fapiao's archived documents, for the invoice's email
            .search(
                [
                    ("res_model", "=", "tax.fapiao"),
                    ("res_id", "in", issued.ids),
                    ("mimetype", "=", "application/pdf"),
                ]
            )
        )

    # ----------------------------------------------------------- actions
    def action_prepare_fapiao(self):
        """Prepare a draft fapiao from a posted customer invoice (or open the existing one)."""
        self.ensure_one()
        if self.move_type not in self._fapiao_move_types():
            raise UserError(_("Fapiao are prepared from customer invoices."))
        if self.state != "posted":
            raise UserError(_("Post invoice %s before preparing its fapiao.", self.name))
        blue = self.fapiao_ids.filtered(lambda f: f.direction == "blue")
        live = blue.filtered(lambda f: f.state not in states.DEAD)
        if not live and blue.filtered(lambda f: f.state == "reversed"):
            # fully reversed: issued again after an error (开票有误), never after a credit note
            if self.reversal_move_ids.filtered(lambda m: m.state == "posted"):
                raise UserError(
                    _(
                        "The fapiao of %s were reversed and the invoice is credited: there is "
                        "nothing left to invoice.",
                        self.name,
                    )
                )
        blue = live
        if not blue:
            if not self._fapiao_product_lines():
                raise ValidationError(_("Invoice %s has no product line to invoice.", self.name))
            # a deal or an order the month's credit line (as last read) cannot carry is not
            # split at all; issuing reads it again
            self.env["tax.fapiao"]._check_credit_left(
                self.company_id, money.cents(abs(money.D(self.amount_untaxed))), read=False
            )
            values = self._fapiao_split_values()
            blue = self.env["tax.fapiao"]._create_prepared(values)
            total = sum(money.D(f.amount_total) for f in blue)
            if money.differs(total, self.amount_total):
                raise UserError(
                    _(
                        "The fapiao of %(invoice)s would total %(total)s, not the invoice's "
                        "%(amount)s: nothing was prepared.",
                        invoice=self.name,
                        total=money.plain(total),
                        amount=money.plain(money.D(self.amount_total)),
                    )
                )
        return self.action_view_fapiao(blue)

    def _fapiao_move_types(self):
        """Moves a fapiao is prepared from (fruit_invoice adds farm purchase bills)."""
        return ("out_invoice",)

    def _fapiao_split_values(self):
        """Values of the blue fapiao this invoice yields: one by default; trade modules split
        (vehicle_invoice: one per vehicle)."""
        self.ensure_one()
        return [self.env["tax.fapiao"]._prepare_from_move(self)]

    def action_view_fapiao(self, fapiao=None):
        fapiao = fapiao if fapiao is not None else self.fapiao_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("tax_gateway.tax_fapiao_action")
        if len(fapiao) == 1:
            action.update(res_id=fapiao.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", fapiao.ids)]
        return action


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    fapiao_origin_line_id = fields.Many2one(
        "account.move.line",
        string="Reversed Invoice Line",
        copy=False,
        index="btree_not_null",
        help="On a credit note: the invoice line it reverses (maps red letters to fapiao lines).",
    )
