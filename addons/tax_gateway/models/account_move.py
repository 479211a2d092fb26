from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tg_core import FapiaoError
from ..tg_core.validators import validate_fapiao_number
from .tax_fapiao import LOCKED_STATES
from .tg_messages import core_validation_error


class AccountMove(models.Model):
    _inherit = "account.move"

    # l10n_cn's field, widened from 8 to 20 digits: legacy 8-digit numbers stay valid, 数电
    # numbers fill it automatically from the issued fapiao (the first one when split).
    fapiao = fields.Char(size=20)
    fapiao_ids = fields.One2many("tax.fapiao", "move_id")
    fapiao_count = fields.Integer(compute="_compute_fapiao_count")
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
            states = set(
                move.fapiao_ids.filtered(
                    lambda f: f.direction == "blue" and f.state not in ("cancelled", "voided")
                ).mapped("state")
            )
            move.fapiao_state = next((s for s in priority if s in states), "none")

    @api.constrains("fapiao")
    def _check_fapiao(self):
        for move in self.filtered("fapiao"):
            if len(move.fapiao) == 8 and move.fapiao.isdecimal():
                continue  # legacy 税控 number
            try:
                validate_fapiao_number(move.fapiao)
            except FapiaoError as err:
                raise core_validation_error(self.env, err) from err

    def _update_fapiao_number(self):
        for move in self:
            issued = move.fapiao_ids.filtered(lambda f: f.direction == "blue" and f.number)
            if issued and not move.fapiao:
                move.fapiao = issued.sorted("id")[0].number

    def _fapiao_product_lines(self):
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda ln: ln.display_type == "product")

    def _has_locked_fapiao(self):
        self.ensure_one()
        return any(f.state in LOCKED_STATES for f in self.fapiao_ids)

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
            if move.fapiao_ids.filtered(lambda f: f.state not in ("draft", "cancelled")):
                raise UserError(_("Invoice %s has fapiao and cannot be deleted.", move.name))

    # ----------------------------------------------------------- actions
    def action_prepare_fapiao(self):
        """Prepare a draft fapiao from a posted customer invoice (or open the existing one)."""
        self.ensure_one()
        if self.move_type != "out_invoice":
            raise UserError(_("Fapiao are prepared from customer invoices."))
        if self.state != "posted":
            raise UserError(_("Post invoice %s before preparing its fapiao.", self.name))
        blue = self.fapiao_ids.filtered(lambda f: f.direction == "blue" and f.state != "cancelled")
        if not blue:
            if not self._fapiao_product_lines():
                raise ValidationError(_("Invoice %s has no product line to invoice.", self.name))
            blue = self.env["tax.fapiao"].create(self.env["tax.fapiao"]._prepare_from_move(self))
        return self.action_view_fapiao(blue)

    def action_view_fapiao(self, fapiao=None):
        fapiao = fapiao if fapiao is not None else self.fapiao_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("tax_gateway.tax_fapiao_action")
        if len(fapiao) == 1:
            action.update(res_id=fapiao.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", fapiao.ids)]
        return action
