import base64

from fapiao_core import FapiaoError
from markupsafe import Markup, escape

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.tg_messages import core_error, core_message

REPORT_ROWS = 200  # rows listed per section of the report; the counts are always complete


class TaxGatewayTableImport(models.AbstractModel):
    """A two-step import of a table a user uploads (CSV or XLSX): *Check* reports what would be
    added, changed and refused and changes nothing; *Import* applies the same comparison.

    A wizard says how to read and compare (``_compare``: report, refusals), how to show it
    (``_report_sections``) and how to apply it (``_apply``); its Import button calls
    ``_import`` behind Odoo's identity check."""

    _name = "tax.gateway.table.import"
    _description = "Table Import"

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

    def _read(self, reader):
        """``reader(content, filename)`` on the uploaded file, errors translated."""
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager may import this table."))
        try:
            return reader(base64.b64decode(self.file or b""), self.filename or "")
        except FapiaoError as err:
            raise core_error(self.env, err) from err

    def _refused_rows(self, refused):
        return [
            (line, value, core_message(self.env, reason, params))
            for line, value, reason, params in refused
        ]

    @staticmethod
    def _section(title, head, rows, total):
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

    def _show(self, report, refused, state):
        self.write(
            {
                "state": state,
                "added_count": len(report.added),
                "changed_count": len(report.changed),
                "unchanged_count": report.unchanged,
                "refused_count": len(refused),
                "report": Markup("").join(
                    self._section(*section) for section in self._report_sections(report, refused)
                ),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self._import_title(),
        }

    def action_check(self):
        report, refused = self._compare()
        return self._show(report, refused, "checked")

    def _import(self):
        report, refused = self._compare()
        self._apply(report)
        self.env["tax.gateway.audit"]._append(
            self,
            "import",
            detail=f"{self._name} {self.filename or ''}: "
            f"{len(report.added)} added, {len(report.changed)} changed, {len(refused)} refused"[
                :250
            ],
        )
        return self._show(report, refused, "done")

    def _import_title(self):
        raise NotImplementedError

    def _compare(self):
        raise NotImplementedError

    def _report_sections(self, report, refused):
        """(title, head, rows, total) of each section of the report."""
        raise NotImplementedError

    def _apply(self, report):
        raise NotImplementedError
