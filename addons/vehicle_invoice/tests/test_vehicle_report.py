"""The motor-vehicle fapiao prints the vehicle block of the official layout (real PDF)."""

import io

from PyPDF2 import PdfReader

from odoo.tests import HttpCase, tagged

from odoo.addons.tax_gateway.tests.test_report import flat

from . import test_vehicle_invoicing as base  # the module, so its tests are not loaded twice


@tagged("post_install", "-at_install")
class TestVehicleReport(base.TestVehicleInvoicing, HttpCase):
    def test_motor_vehicle_layout(self):
        order = self.sell(cars=1)
        self.deliver(order, self.vins[:1])
        move = self.invoice(order)
        vehicle = self.prepare(move).filtered("vehicle_lot_id")
        self.vins[0].write(
            {
                "engine_number": "EA211-8800123",
                "certificate_number": "WCA0123456789012",
                "vehicle_brand": "大众",
                "vehicle_type": "轿车",
                "vehicle_origin": "上海",
                "manufacturer": "上汽大众汽车有限公司",
                "seats": 5,
            }
        )
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("tax_gateway.action_report_fapiao", vehicle.ids)
        )
        text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
        for expected in (
            "电子发票（机动车销售统一发票）",
            "车辆识别代号/车架号码",
            self.vins[0].name,
            "EA211-8800123",
            "WCA0123456789012",
            "大众SVW7182",
            "上汽大众汽车有限公司",
            "150,000.00",
        ):
            self.assertIn(flat(expected), text)
        # other fapiao of the deal (accessories, services) have no vehicle block
        others = move.fapiao_ids - vehicle
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("tax_gateway.action_report_fapiao", others[:1].ids)
        )
        text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
        self.assertNotIn(flat("车辆识别代号"), text)
