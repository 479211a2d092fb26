from odoo import models


class Base(models.AbstractModel):
    """Exports that carry personal data (an encrypted field, directly or through a relation,
    e.g. ``partner_id/fapiao_id_number`` from an invoice) go into the audit trail: who exported
    which fields of how many records. The values themselves are masked for users without the
    personal-data right (tax.gateway.encrypted.mixin)."""

    _inherit = "base"

    def export_data(self, fields_to_export):
        personal = self._fapiao_personal_paths(fields_to_export)
        result = super().export_data(fields_to_export)
        if personal and self:
            self.env["tax.gateway.audit"]._append(
                self[:1],
                "personal_data_export",
                detail=f"{self._name} x{len(self)}: {', '.join(personal)}"[:250],
            )
        return result

    def _fapiao_personal_paths(self, paths):
        """The export paths that end on an encrypted personal-data field."""
        found = []
        for path in paths:
            model = self
            for name in path.split("/"):
                field = model._fields.get(name)
                if field is None:
                    break
                if name in getattr(model, "_encrypted_fields", ()):
                    found.append(path)
                    break
                if not field.relational:
                    break
                model = self.env[field.comodel_name]
        return found
