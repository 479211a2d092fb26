from fapiao_core import money
from fapiao_core.vehicle import risk

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.tax_gateway.models.tax_gateway_guarded_mixin import (
    check_second_factor,
    second_factor,
)
from odoo.addons.tax_gateway.models.tax_gateway_workflow import transition

RISK_STATES = [("none", "No Risk"), ("locked", "Locked for Review"), ("approved", "Approved")]


class VehicleRiskRule(models.Model):
    _name = "vehicle.risk.rule"
    _description = "Vehicle Invoicing Risk Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rule_type = fields.Selection(
        [
            (risk.MAX_AMOUNT, "Single invoice above (amount, tax incl.)"),
            (risk.MAX_PER_VIN_DAY, "Fapiao per VIN per day, at least"),
            (risk.GUIDE_DEVIATION, "Deviation from the guide price above (%)"),
            (risk.REPEATED_RED, "Red letters on the VIN, at least"),
            (risk.BELOW_COST, "Below cost by more than (%)"),
        ],
        required=True,
    )
    threshold = fields.Float(required=True, digits=(16, 2))


class VehicleRiskMixin(models.AbstractModel):
    """The lock a risk hit puts on an invoice and its orders; only a manager lifts it."""

    _name = "vehicle.risk.mixin"
    _description = "Vehicle Risk Lock"
    _inherit = "tax.gateway.workflow.mixin"

    vehicle_risk_state = fields.Selection(
        RISK_STATES, default="none", copy=False, readonly=True, tracking=True
    )
    vehicle_risk_reasons = fields.Text(copy=False, readonly=True)

    def _workflow_fields(self):
        return super()._workflow_fields() | {"vehicle_risk_state", "vehicle_risk_reasons"}

    @second_factor
    @check_identity
    def action_vehicle_risk_unlock(self):
        return self._vehicle_risk_unlock()

    @transition
    def _vehicle_risk_unlock(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may release a locked sale."))
        check_second_factor(self.env, self.company_id)
        for record in self:
            if record.vehicle_risk_state != "locked":
                raise UserError(_("%s is not locked.", record.display_name))
            for other in record._vehicle_risk_linked():
                other.write({"vehicle_risk_state": "approved"})
                other.message_post(body=_("Risk review approved by %s.", self.env.user.name))
                self.env["tax.gateway.audit"]._append(
                    other, "risk_unlock", detail=(other.vehicle_risk_reasons or "")[:250]
                )
                other.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def _vehicle_risk_linked(self):
        """This record and the locked records of the other model it goes with (a list)."""
        raise NotImplementedError


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "vehicle.risk.mixin"]

    def _vehicle_risk_linked(self):
        locked = self.invoice_ids.filtered(lambda m: m.vehicle_risk_state == "locked")
        return [self, *locked]


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "vehicle.risk.mixin"]

    def _vehicle_risk_linked(self):
        orders = self.invoice_line_ids.sale_line_ids.order_id
        return [self, *orders.filtered(lambda o: o.vehicle_risk_state == "locked")]

    def action_prepare_fapiao(self):
        self.ensure_one()
        orders = self.invoice_line_ids.sale_line_ids.order_id
        locked = [r for r in (self, *orders) if r.vehicle_risk_state == "locked"]
        if locked:
            raise UserError(
                _(
                    "%(what)s is locked for risk review (%(why)s): a Fapiao Manager must "
                    "approve it first.",
                    what=locked[0].display_name,
                    why=locked[0].vehicle_risk_reasons,
                )
            )
        approved = [r for r in (self, *orders) if r.vehicle_risk_state == "approved"]
        live = self.fapiao_ids.filtered(lambda f: f.direction == "blue" and f.state != "cancelled")
        if not live and not approved:
            hits = self._vehicle_risk_hits()
            if hits:
                return self._vehicle_risk_lock(orders, hits)
        return super().action_prepare_fapiao()

    def _vehicle_risk_hits(self):
        rules = self.env["vehicle.risk.rule"].search([("company_id", "=", self.company_id.id)])
        if not rules:
            return []
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        pairs = [(rule.rule_type, str(rule.threshold)) for rule in rules]
        hits = []
        for line in self._fapiao_product_lines().filtered(lambda ln: ln.product_id.vehicle_ok):
            lot = line.vehicle_lot_id
            Fapiao = self.env["tax.fapiao"]
            facts = risk.Facts(
                vin=lot.name or line.display_name,
                amount=money.D(line.price_total),
                untaxed=money.D(line.price_subtotal),
                invoices_today=Fapiao.search_count(
                    [("vehicle_lot_id", "=", lot.id), ("create_date", ">=", today)]
                )
                if lot
                else 0,
                guide_price=money.D(lot.guide_price) if lot.guide_price else None,
                red_count=Fapiao.search_count(
                    [("direction", "=", "red"), ("origin_fapiao_id.vehicle_lot_id", "=", lot.id)]
                )
                if lot
                else 0,
                cost=money.D(line.product_id.standard_price) * money.D(line.quantity)
                if line.product_id.standard_price
                else None,
            )
            hits += risk.evaluate(pairs, facts)
        return hits

    @transition
    def _vehicle_risk_lock(self, orders, hits):
        labels = dict(
            self.env["vehicle.risk.rule"]._fields["rule_type"]._description_selection(self.env)
        )
        reasons = "; ".join(
            f"{hit.vin}: {labels[hit.code]} {money.plain(hit.threshold)} "
            f"({money.plain(hit.value)})"
            for hit in hits
        )
        manager = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref("tax_gateway.group_fapiao_manager").id),
                ("company_ids", "in", self.company_id.id),
                ("share", "=", False),
            ],
            limit=1,
            order="id desc",
        )
        # reason: the lock is the risk review's state, set by the issuer who hit the rule on
        # the orders of the invoice, which a 开票员 without sales rights may not edit
        for record in (self, *(order.sudo() for order in orders)):
            record.write({"vehicle_risk_state": "locked", "vehicle_risk_reasons": reasons})
            record.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Risk review before invoicing"),
                note=reasons,
                user_id=(manager or self.env.user).id,
            )
            self.env["tax.gateway.audit"]._append(
                record, "risk_lock", amount=money.cents(self.amount_total), detail=reasons[:250]
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": _("Locked for risk review"),
                "message": _(
                    "No fapiao was prepared: %s. A Fapiao Manager was asked to review it.",
                    reasons,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
