"""VINs on serial numbers: validated, normalized, one vehicle per VIN."""

from fapiao_core.vehicle.vin import check_digit
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.tax_gateway.tests.common import FapiaoCommon

NHTSA_EXAMPLE = "1M8GDM9AXKP042788"


def china_vin(serial16):
    draft = serial16[:8] + "0" + serial16[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


@tagged("post_install", "-at_install")
class TestVin(FapiaoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("stock.group_production_lot")
        cls.car = cls.env["product.product"].create(
            {
                "name": "轿车 1.8L 豪华型",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "vehicle_ok": True,
                "company_id": cls.company.id,
            }
        )
        cls.suv = cls.car.copy({"name": "SUV 2.0T"})

    def lot(self, name, product=None):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": (product or self.car).id, "company_id": self.company.id}
        )

    def test_valid_vins(self):
        vin = china_vin("LSVAU2180N220001")
        lot = self.lot(vin)
        self.assertEqual((lot.vin, lot.vin_warning), (vin, False))
        imported = self.lot(NHTSA_EXAMPLE)
        self.assertEqual(imported.vin, NHTSA_EXAMPLE)
        european = self.lot("WVWZZZ1KZ6W000001")  # no check digit: a warning, not a refusal
        self.assertIn("check digit", european.vin_warning)

    def test_invalid_vins_are_refused(self):
        vin = china_vin("LSVAU2180N220002")
        wrong = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
        for bad, reason in (
            ("LSVAU2180N22000", "exactly 17"),
            ("LSVAU2I80N2200011", "except I, O, Q"),
            (wrong, f"should be {vin[8]}"),
        ):
            # the savepoint plays the request's rollback
            with self.assertRaisesRegex(ValidationError, reason), self.env.cr.savepoint():
                self.lot(bad)
        self.assertFalse(self.env["stock.lot"].search([("product_id", "=", self.car.id)]))

    def test_one_vin_one_vehicle(self):
        vin = china_vin("LSVAU2180N220003")
        self.lot(vin)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.lot(vin.lower(), product=self.suv)  # same VIN, other model, other case
        self.assertEqual(self.env["stock.lot"].search_count([("vin", "=", vin)]), 1)

    def test_vehicle_products_are_tracked_by_serial(self):
        with self.assertRaisesRegex(ValidationError, "unique serial number"):
            self.car.product_tmpl_id.tracking = "lot"
