import base64

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_users import check_identity

from ..models.tg_messages import core_error, core_message
from ..tg_core import FapiaoError, money, tax_codes

OPTIONAL = ("short_name", "default_rate", "policy_flag")
REPORT_ROWS = 200  # rows listed per section of the report; the counts are always complete


class TaxClassificationImport(models.TransientModel):
    """Update the tax code table from the bureau's (or a platform's) CSV/XLSX file.

    *Check* reports what would be added, changed and refused and changes nothing; *Import*
    applies the same comparison, after Odoo's identity check (it is configuration)."""

    _name = "tax.classification.import"
    _description = "Import Tax Classification Codes"

    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    state = fields.Selection(
        [("draft", "Draft"), ("checked", "Checked"), ("done", "Imported")], default="draft"
    )
    added_count = fields.Integer(readonly=True)
    changed_count = fields.Integer(readonly=True)
    unchanged_count = fields.Integer(readonly=True)
    refused_count = fields.Integer(readonly=True)
    report = fields.Html(readonly=True, sanitize=False)

    def _compare(self):
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may update the tax code table."))
        try:
            rows, refused = tax_codes.read_table(
                base64.b64decode(self.file or b""), self.filename or ""
            )
        except FapiaoError as err:
            raise core_error(self.env, err) from err
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

    def _render_report(self, report, refused):
        def section(title, head, rows, total):
            if not total:
                return Markup()
            html = Markup("<h5>%s</h5><table class='table table-sm'><thead><tr>") % title
            html += Markup("").join(Markup("<th>%s</th>") % h for h in head)
            html += Markup("</tr></thead><tbody>")
            for row in rows[:REPORT_ROWS]:
                html += Markup("<tr>%s</tr>") % Markup("").join(
                    Markup("<td>%s</td>") % escape(c) for c in row
                )
            html += Markup("</tbody></table>")
            if total > REPORT_ROWS:
                html += Markup("<p>%s</p>") % _("… and %s more.", total - REPORT_ROWS)
            return html

        field_labels = {
            name: self.env["tax.classification"]._fields[name].get_description(self.env)["string"]
            for name in ("name", "short_name", "default_rate", "policy_flag")
        }
        return (
            section(
                _("Refused"),
                [_("Line"), _("Code"), _("Reason")],
                [
                    (line, code, core_message(self.env, reason, params))
                    for line, code, reason, params in refused
                ],
                len(refused),
            )
            + section(
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
            )
            + section(
                _("Added"),
                [_("Line"), _("Code"), _("Official Name")],
                [(row.line, row.code, row.name) for row in report.added],
                len(report.added),
            )
        )

    def _show(self, report, refused, state):
        self.write(
            {
                "state": state,
                "added_count": len(report.added),
                "changed_count": len(report.changed),
                "unchanged_count": report.unchanged,
                "refused_count": len(refused),
                "report": self._render_report(report, refused),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Import Tax Classification Codes"),
        }

    def action_check(self):
        report, refused = self._compare()
        return self._show(report, refused, "checked")

    @check_identity
    def action_import(self):
        report, refused = self._compare()
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
        return self._show(report, refused, "done")
