from datetime import timedelta

from odoo import Command, api, fields, models

# purchase price × 9 % (MOF/STA 公告2026年第10号, fgk.chinatax.gov.cn; the former 10 % for
# goods processed into 13 % products is unconfirmed for 2026 [U]): a company setting
FARM_CREDIT_RATE_DEFAULT = 9.0


class ResCompany(models.Model):
    _inherit = "res.company"

    fruit_split_invoices = fields.Boolean(
        string="Split Sales Invoices",
        help="Invoices created from sales orders are split by customer, batch (lot), tax "
        "treatment, face-value limit and number of lines.",
    )
    fruit_split_by_lot = fields.Boolean(string="One Invoice per Batch", default=True)
    fruit_face_value_limit = fields.Monetary(
        string="Face-Value Limit",
        currency_field="currency_id",
        help="Largest amount on one invoice (0: no limit).",
    )
    fruit_limit_includes_tax = fields.Boolean(
        string="Limit Includes Tax",
        help="Compare the limit with the total including VAT instead of the amount excluding it.",
    )
    fruit_max_lines = fields.Integer(string="Maximum Lines per Invoice", help="0: no maximum.")
    fruit_red_letter_on_return = fields.Boolean(
        string="Red Letters on Returns",
        help="When goods invoiced with an issued fapiao come back, the credit note for exactly "
        "what came back and its red letter (销货退回) are made and sent on their own.",
    )
    fruit_approve_partial = fields.Boolean(
        string="Approve Partial and Pre-invoices",
        default=True,
        help="The fapiao of an invoice made for part of an order (by quantity or amount) or "
        "before delivery (预开票) waits for a Fapiao Manager's approval before it is issued.",
    )
    fruit_farm_credit_rate = fields.Float(
        string="Farm Purchase Credit Rate (%)",
        default=FARM_CREDIT_RATE_DEFAULT,
        help="Input VAT credited on produce bought from farmers with a 农产品收购发票: purchase "
        "price × this rate (9 % in 2026).",
    )
    fruit_farm_credit_account_id = fields.Many2one(
        "account.account",
        string="Farm Purchase Input VAT Account",
        check_company=True,
        help="Account of the input VAT credited on farm purchases; empty: the account of the "
        "company's 9 % purchase tax.",
    )

    @api.model
    def _fapiao_guarded_fields(self):
        return super()._fapiao_guarded_fields() | {
            name for name in self._fields if name.startswith("fruit_")
        }

    # ------------------------------------------------------------------ demo
    def _fruit_invoice_demo(self):
        """Demo of a fruit wholesaler (on top of tax_gateway's demo company): batches from
        growers with origin and grade, three customers (one issued automatically T+1 after
        payment), a week of delivered orders — five days invoiced in split batches, two still
        to invoice — some paid, and a farm purchase bill with its 农产品收购发票 prepared."""
        company = self.ensure_one()
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        company = company.with_env(env)
        company.write(
            {
                "fruit_split_invoices": True,
                "fruit_split_by_lot": True,
                "fruit_face_value_limit": 50000.0,
                "fruit_max_lines": 8,
                "fruit_red_letter_on_return": True,
            }
        )
        chart = env["account.chart.template"].with_company(company)
        tax_9 = chart.ref("l10n_cn_sales_excluded_9")
        # Odoo creates a new company's warehouse only in test mode
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "鲜果仓", "code": "XG", "company_id": company.id}
        )
        kg = env.ref("uom.product_uom_kgm")
        codes = env["tax.classification"]
        fruit = env["product.category"].create(
            {
                "name": "鲜果（批次管理）",
                "tax_classification_id": codes.search([("code", "=", "1010115019900000000")]).id,
            }
        )
        products = env["product.product"].create(
            [
                {
                    "name": name,
                    "categ_id": fruit.id,
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "lot",
                    "invoice_policy": "delivery",
                    "list_price": price,
                    "uom_id": kg.id,
                    "uom_po_id": kg.id,
                    "company_id": company.id,
                    "taxes_id": [Command.set(tax_9.ids)],
                    "tax_classification_id": codes.search([("code", "=", code)]).id,
                }
                for name, price, code in (
                    ("阿克苏冰糖心苹果", 9.6, "1010115010100000000"),
                    ("砀山酥梨", 5.8, "1010115010200000000"),
                    ("海南金煌芒", 11.0, "1010115011100000000"),
                )
            ]
        )
        partner = env["res.partner"]
        cn = env.ref("base.cn").id
        growers = partner.create(
            [
                {
                    "name": name,
                    "country_id": cn,
                    "fapiao_natural_person": True,
                    "fapiao_id_number": id_number,
                    "supplier_rank": 1,
                    "company_id": company.id,
                }
                for name, id_number in (
                    ("王建国（果农）", "652901197803150011"),
                    ("李秀英（果农）", "341321198205200027"),
                    ("陈海生（果农）", "469003197512300037"),
                )
            ]
        )
        today = fields.Date.context_today(self)
        lots = env["stock.lot"]
        for product, grower, origin in zip(
            products, growers, ("新疆阿克苏", "安徽砀山", "海南三亚"), strict=True
        ):
            for age, grade in ((9, "first"), (5, "special")):
                arrival = today - timedelta(days=age)
                lot = lots.create(
                    {
                        "name": f"{arrival:%Y%m%d}-{origin[2:]}-{grade[0].upper()}",
                        "product_id": product.id,
                        "company_id": company.id,
                        "fruit_arrival_date": arrival,
                        "fruit_origin": origin,
                        "fruit_grade": grade,
                        "fruit_grower_id": grower.id,
                    }
                )
                lots |= lot
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, 3000, lot_id=lot
                )
        customers = env.ref("tax_gateway.demo_partner_buyer") + partner.create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "country_id": cn,
                    "vat": vat,
                    "fapiao_kind": "82",
                    "fruit_fapiao_policy": policy,
                    "fruit_fapiao_delay": 1,
                    "company_id": company.id,
                }
                for name, vat, policy in (
                    ("杭州鲜丰超市有限公司", "91330100MA2B3C4D5N", "after_payment"),
                    ("南京果缘餐饮管理有限公司", "91320100MA1N2P3Q43", "manual"),
                )
            ]
        )

        def deliver(order, line_lots):
            picking = order.picking_ids
            picking.move_ids.move_line_ids.unlink()
            for sale_line, lot in zip(order.order_line, line_lots, strict=True):
                move = picking.move_ids.filtered(lambda m, sl=sale_line: m.sale_line_id == sl)
                env["stock.move.line"].create(
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": move.product_id.id,
                        "lot_id": lot.id,
                        "quantity": move.product_uom_qty,
                        "product_uom_id": move.product_uom.id,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
            picking.move_ids.picked = True
            picking.button_validate()

        invoiced = env["account.move"]
        for day in range(7):
            date = today - timedelta(days=6 - day)
            orders = env["sale.order"]
            for n, customer in enumerate(customers):
                product = products[(day + n) % 3]
                other = products[(day + n + 1) % 3]
                lot = lots.filtered(lambda lot, p=product: lot.product_id == p)[day % 2]
                other_lot = lots.filtered(lambda lot, p=other: lot.product_id == p)[0]
                order = env["sale.order"].create(
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "date_order": date,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": p.id,
                                    "product_uom_qty": qty,
                                    "price_unit": p.list_price,
                                }
                            )
                            for p, qty in ((product, 120 + 40 * n + 10 * day), (other, 60))
                        ],
                    }
                )
                order.action_confirm()
                deliver(order, [lot, other_lot])
                orders |= order
            if day < 5:  # the last two days wait for the accountant
                moves = orders._create_invoices()
                moves.write({"invoice_date": date})
                moves.action_post()
                invoiced |= moves
        # the supermarket paid the first four days two days ago: their fapiao come on their
        # own, T+1 (the T+N cron issues them at its next run)
        paid = invoiced.filtered(
            lambda m: m.partner_id == customers[1] and m.invoice_date <= today - timedelta(3)
        )
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create(
            {"group_payment": False, "payment_date": today - timedelta(days=2)}
        ).action_create_payments()
        # the restaurant wants tomorrow's pears invoiced before they leave (预开票): half of
        # the order pre-invoiced, its fapiao waiting for finance
        order = env["sale.order"].create(
            {
                "partner_id": customers[2].id,
                "company_id": company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": products[1].id,
                            "product_uom_qty": 200,
                            "price_unit": products[1].list_price,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        wizard = (
            env["fruit.partial.invoice"]
            .with_context(active_id=order.id)
            .create({"mode": "preinvoice"})
        )
        wizard.line_ids.quantity = 100
        pre = wizard.action_create_invoices()
        pre = env["account.move"].browse(pre.get("res_id")) or order.invoice_ids
        pre.action_post()
        pre.action_prepare_fapiao()
        # bought from a grower: the purchase fapiao the company issues to itself
        bill = env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": growers[0].id,
                "company_id": company.id,
                "invoice_date": today - timedelta(days=9),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products[0].id,
                            "quantity": 3000,
                            "price_unit": 4.2,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        bill.action_prepare_fapiao()
