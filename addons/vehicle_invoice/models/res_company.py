from fapiao_core.vehicle import risk, vin

from odoo import Command, api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # A module adding a strategy registers it in fapiao_core.vehicle.strategies and extends this
    # field with selection_add.
    vehicle_split_strategy = fields.Selection(
        [
            ("by_role", "Vehicle / accessories / services"),
            ("by_category", "Vehicle / one fapiao per product category"),
            ("vehicle_only", "Vehicle / everything else"),
            ("by_ratio", "Vehicle / accessories / services, bundle spread by stand-alone prices"),
        ],
        string="Dealer Split Strategy",
        default="by_role",
        required=True,
        help="How an invoice with vehicles becomes fapiao. Each vehicle always gets its own "
        "motor-vehicle fapiao; the strategy decides for accessories and services.",
    )

    @api.model
    def _fapiao_guarded_fields(self):
        return super()._fapiao_guarded_fields() | {
            name for name in self._fields if name.startswith("vehicle_")
        }

    # ------------------------------------------------------------------ demo
    def _vehicle_invoice_demo(self):
        """Demo of a 4S dealer: two models with VINs in stock, accessories and services, risk
        rules, and deals at each step (a quotation, a delivered deal to invoice, an invoiced
        deal whose fapiao are prepared and wait to be issued)."""
        company = self.ensure_one()
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        company = company.with_env(env)
        # the dealer issues through Baiwang, the wholesaler through Nuonuo: one database, two
        # platforms (the sandbox speaks both)
        company._fapiao_demo_provider("baiwang")
        chart = env["account.chart.template"].with_company(company)
        tax_13 = chart.ref("l10n_cn_sales_excluded_13")
        tax_6 = chart.ref("l10n_cn_sales_excluded_6")

        def code(number):
            return env["tax.classification"].search([("code", "=", number)], limit=1).id

        def category(name, number):
            return env["product.category"].create(
                {"name": name, "tax_classification_id": code(number)}
            )

        cars = category("整车", "1090305010300000000")
        parts = category("精品", "1090310019900000000")
        service = category("维修保养", "2020000000000000000")
        agency = category("代办服务", "3040802990000000000")
        product = env["product.product"]

        def make(name, categ, price, tax, **more):
            return product.create(
                dict(
                    {
                        "name": name,
                        "categ_id": categ.id,
                        "lst_price": price,
                        "company_id": company.id,
                        "taxes_id": [Command.set(tax.ids)],
                        "invoice_policy": "order",
                        "type": "consu",
                    },
                    **more,
                )
            )

        vehicle = {"is_storable": True, "tracking": "serial", "vehicle_ok": True}
        vehicle["invoice_policy"] = "delivery"
        lavida = make(
            "朗逸 1.5L 自动舒适版",
            cars,
            106194.69,
            tax_13,
            tax_classification_id=code("1090305010200000000"),
            **vehicle,
        )
        tiguan = make("途观L 2.0T 四驱豪华版", cars, 247787.61, tax_13, **vehicle)
        mats = make("全包围脚垫", parts, 707.96, tax_13)
        film = make("隔热膜（全车）", parts, 2477.88, tax_13)
        recorder = make("行车记录仪", parts, 1061.95, tax_13)
        plates = make("上牌代办服务", agency, 471.70, tax_6, type="service")
        first_service = make("首次保养", service, 530.97, tax_13, type="service")

        # Odoo creates a new company's warehouse only in test mode; a demo run is not one
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        ) or env["stock.warehouse"].create(
            {"name": "申联展厅", "code": "SL", "company_id": company.id}
        )
        lots = env["stock.lot"]
        for car, wmi_serial, model, kind, seats, guide in (
            (lavida, "LSVAL6BR{:08d}", "SVW7151LUD", "轿车", 5, 120000.0),
            (tiguan, "LSVUB6E4{:08d}", "SVW6471DFD", "多用途乘用车", 7, 280000.0),
        ):
            for n in range(1, 4):
                serial = wmi_serial.format(2026000 + n)  # 16 characters without position 9
                draft = serial[:8] + "0" + serial[8:]
                lot = lots.create(
                    {
                        "name": draft[:8] + vin.check_digit(draft) + draft[9:],
                        "product_id": car.id,
                        "company_id": company.id,
                        "engine_number": f"DPC{n:06d}",
                        "certificate_number": f"WCB0{model[3:7]}2600{n:04d}",
                        "vehicle_brand": "大众",
                        "vehicle_model": model,
                        "vehicle_type": kind,
                        "vehicle_origin": "上海",
                        "manufacturer": "上汽大众汽车有限公司",
                        "seats": seats,
                        "guide_price": guide,
                    }
                )
                lots |= lot
                env["stock.quant"]._update_available_quantity(
                    car, warehouse.lot_stock_id, 1, lot_id=lot
                )
        env["vehicle.risk.rule"].create(
            [
                {"name": name, "rule_type": rule, "threshold": threshold, "company_id": company.id}
                for name, rule, threshold in (
                    ("单张发票超过 50 万元", risk.MAX_AMOUNT, 500000.0),
                    ("偏离厂商指导价超过 15%", risk.GUIDE_DEVIATION, 15.0),
                    ("同一车辆已有 2 张红字发票", risk.REPEATED_RED, 2.0),
                )
            ]
        )
        partner = env["res.partner"]
        fleet = partner.create(
            {
                "name": "上海浦江物流有限公司",
                "is_company": True,
                "country_id": env.ref("base.cn").id,
                "vat": "91310000MA1K4B7R06",
                "fapiao_kind": "81",
                "fapiao_address_phone": "上海市闵行区浦江镇江月路1号 021-64111111",
                "fapiao_bank_account": "交通银行上海闵行支行 310066000018800012345",
                "company_id": company.id,
            }
        )
        person = partner.create(
            {
                "name": "李娜",
                "country_id": env.ref("base.cn").id,
                "fapiao_natural_person": True,
                "fapiao_id_number": "310115199003071239",
                "fapiao_kind": "82",
                "company_id": company.id,
            }
        )

        # invoiced: four fapiao prepared (the SUV on a 专票 marked 一车一票), ready to issue
        invoiced = company._vehicle_demo_sell(
            fleet,
            [(tiguan, 238938.05), (mats, 707.96), (film, 2477.88), (plates, 471.70)],
            deliver=lots.filtered(lambda lot: lot.product_id == tiguan)[0],
        )
        move = invoiced._create_invoices()
        move.action_post()
        move.action_prepare_fapiao()
        # delivered, to invoice
        company._vehicle_demo_sell(
            person,
            [(lavida, 101769.91), (recorder, 1061.95), (first_service, 530.97)],
            deliver=lots.filtered(lambda lot: lot.product_id == lavida)[0],
        )
        # a quotation
        company._vehicle_demo_sell(person, [(lavida, 104424.78), (mats, 0.0)])

    def _vehicle_demo_sell(self, buyer, lines, deliver=None):
        """Demo: a deal of this company: a quotation, or confirmed and delivered with the car
        of lot ``deliver``."""
        company = self.ensure_one()
        env = self.env
        order = env["sale.order"].create(
            {
                "partner_id": buyer.id,
                "company_id": company.id,
                "order_line": [
                    Command.create({"product_id": p.id, "product_uom_qty": 1, "price_unit": price})
                    for p, price in lines
                ],
            }
        )
        if deliver is None:
            return order
        order.action_confirm()
        picking = order.picking_ids
        for move in picking.move_ids:
            if move.product_id.vehicle_ok:
                move.move_line_ids.unlink()
                env["stock.move.line"].create(
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": move.product_id.id,
                        "lot_id": deliver.id,
                        "quantity": 1,
                        "product_uom_id": move.product_uom.id,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
            else:
                move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        return order
