from fapiao_core import money, tax_codes

from odoo import _, api, models

from odoo.addons.base.models.res_users import check_identity

from ..models.tax_gateway_guarded_mixin import check_second_factor, second_factor

OPTIONAL = ("short_name", "default_rate", "policy_flag")


class TaxClassificationImport(models.TransientModel):
    """Update the tax code table from the bureau's (or a platform's) CSV/XLSX file.

    *Check* reports what would be added, changed and refused and changes nothing; *Import*
    applies the same comparison, after Odoo's identity check (it is configuration)."""

    _name = "tax.classification.import"
    _inherit = "tax.gateway.table.import"
    _description = "Import Tax Classification Codes"

    def _import_title(self):
        return _("Import Tax Classification Codes")

    def _compare(self):
        rows, refused = self._read(tax_codes.read_table)
        Codes = self.env["tax.classification"].with_context(active_test=False)
        known = {
            rec["code"]: rec
            for rec in Codes.search_read(
                [("code", "in", [r.code for r in rows])],
                ["code", "name", "short_name", "default_rate", "policy_flag"],
            )
        }
        return tax_codes.compare(rows, known), refused

    @api.model
    def _cell_text(self, value):
        if value is None or value is False or value == "":
            return "—"
        return money.plain(value) if not isinstance(value, str) else value

    def _report_sections(self, report, refused):
        field_labels = {
            name: self.env["tax.classification"]._fields[name].get_description(self.env)["string"]
            for name in ("name", "short_name", "default_rate", "policy_flag")
        }
        return [
            (
                _("Refused"),
                [_("Line"), _("Code"), _("Reason")],
                self._refused_rows(refused),
                len(refused),
            ),
            (
                _("Changed"),
                [_("Line"), _("Code"), _("Field"), _("Before"), _("After")],
                [
                    (
                        row.line,
                        row.code,
                        field_labels[key],
                        self._cell_text(old),
                        self._cell_text(new),
                    )
                    for row, changes in report.changed
                    for key, (old, new) in changes.items()
                ],
                sum(len(changes) for _row, changes in report.changed),
            ),
            (
                _("Added"),
                [_("Line"), _("Code"), _("Official Name")],
                [(row.line, row.code, row.name) for row in report.added],
                len(report.added),
            ),
        ]

    @second_factor
    @check_identity
    def action_import(self):
        check_second_factor(self.env, self.env.company)
        return self._import()

    def _apply(self, report):
        Codes = self.env["tax.classification"].with_context(active_test=False)
        # new codes: names in one statement, like the install (thousands of rows in seconds)
        Codes._load_official_rows([(row.code, row.name) for row in report.added])
        updates = [
            (row, {key: new for key, (_old, new) in changes.items()})
            for row, changes in report.changed
        ] + [
            (row, {key: getattr(row, key) for key in OPTIONAL if getattr(row, key) is not None})
            for row in report.added
        ]
        updates = [(row, values) for row, values in updates if values]
        records = {
            rec.code: rec
            for rec in Codes.search([("code", "in", [row.code for row, _v in updates])])
        }
        for row, values in updates:
            if "default_rate" in values:
                values["default_rate"] = float(values["default_rate"])
            records[row.code].write(values)
