import csv
import logging
import pathlib

from fapiao_core import FapiaoError
from fapiao_core.validators import validate_tax_code

from odoo import api, fields, models

from .tg_messages import core_validation_error

_logger = logging.getLogger(__name__)
DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
CODES_CSV = DATA / "tax_classification_codes.csv"
DEFAULTS_CSV = DATA / "tax_classification_defaults.csv"

POLICY_FLAGS = [
    ("01", "01 简易征收"),
    ("02", "02 稀土产品"),
    ("03", "03 免税"),
    ("04", "04 不征税"),
    ("05", "05 先征后退"),
    ("06", "06 100%先征后退"),
    ("07", "07 50%先征后退"),
    ("08", "08 按3%简易征收"),
    ("09", "09 按5%简易征收"),
    ("10", "10 按5%简易征收减按1.5%计征"),
    ("11", "11 即征即退30%"),
    ("12", "12 即征即退50%"),
    ("13", "13 即征即退70%"),
    ("14", "14 即征即退100%"),
    ("15", "15 超税负3%即征即退"),
    ("16", "16 超税负8%即征即退"),
    ("17", "17 超税负12%即征即退"),
    ("18", "18 超税负6%即征即退"),
]
EXEMPT_FLAGS = ("03", "04")


class TaxClassification(models.Model):
    """商品和服务税收分类编码: the official 19-digit goods and services tax code table."""

    _name = "tax.classification"
    _description = "Tax Classification Code"
    _order = "code"
    _rec_names_search = ["code", "name", "short_name"]

    code = fields.Char(required=True, size=19, index=True)
    name = fields.Char(string="Official Name", required=True)
    short_name = fields.Char(
        help="简称, printed between asterisks before the item name: *简称*名称. "
        "Left empty, the platform derives it from the code.",
    )
    default_rate = fields.Float(
        string="Default VAT Rate", digits=(5, 4), help="As a fraction, e.g. 0.09 for 9 %."
    )
    policy_flag = fields.Selection(POLICY_FLAGS, string="Policy Marker", help="优惠政策标识")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "A tax classification code exists only once."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for record in self:
            record.display_name = f"{record.code} {record.name}"

    @api.constrains("code")
    def _check_code(self):
        for record in self:
            try:
                validate_tax_code(record.code)
            except FapiaoError as err:
                raise core_validation_error(self.env, err) from err

    @api.model
    def _load_official_table(self):
        """Load the official table (5,500+ rows) in one statement, in seconds, then the short
        names and default rates of the code families the trades use.

        Called from data/tax_classification_data.xml, so it runs before demo data on install and
        again on every update: codes of an updated table are added, existing ones are kept."""
        with CODES_CSV.open(encoding="utf-8") as handle:
            rows = [(row["code"], row["name_zh"]) for row in csv.DictReader(handle)]
        created = self._load_official_rows(rows)
        with DEFAULTS_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self.search([("code", "=like", row["prefix"] + "%")]).write(
                    {
                        "short_name": row["short_name"] or False,
                        "default_rate": float(row["default_rate"] or 0.0),
                        "policy_flag": row["policy_flag"] or False,
                    }
                )
        _logger.info("tax_gateway: %s tax classification codes added", created)

    @api.model
    def _load_official_rows(self, rows):
        """Insert (code, name) rows that do not exist yet, in one statement; returns the count.

        Bypasses the ORM on purpose: 5,500 rows through create() take minutes on install.
        The statement is parameterised (no SQL built from strings) and the codes are validated.
        """
        rows = [(validate_tax_code(code), name) for code, name in rows]
        self.flush_model()
        uid = self.env.uid
        self.env.cr.execute(
            """
            INSERT INTO tax_classification
                   (code, name, active, create_uid, write_uid, create_date, write_date)
            SELECT code, name, TRUE, %(uid)s, %(uid)s, now() at time zone 'UTC',
                   now() at time zone 'UTC'
              FROM unnest(%(codes)s::varchar[], %(names)s::varchar[]) AS t(code, name)
            ON CONFLICT (code) DO NOTHING
            """,
            {"uid": uid, "codes": [r[0] for r in rows], "names": [r[1] for r in rows]},
        )
        inserted = self.env.cr.rowcount
        self.invalidate_model()
        return inserted
