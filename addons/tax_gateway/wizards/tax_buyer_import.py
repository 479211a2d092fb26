from fapiao_core import buyers

from odoo import _, models

from odoo.addons.base.models.res_users import check_identity

from ..models.tax_gateway_guarded_mixin import check_second_factor, second_factor

# fapiao_core.buyers keys → res.partner fields
FIELDS = {
    "name": "name",
    "address_phone": "fapiao_address_phone",
    "bank_account": "fapiao_bank_account",
    "email": "email",
    "kind": "fapiao_kind",
}


class TaxBuyerImport(models.TransientModel):
    """The customer tax-ID library (购方信息库) from a CSV/XLSX file: customers matched by tax
    ID are updated, the others created. *Check* shows what would change and what is refused
    (wrong check character, no name, twice in the file...); *Import* applies it after Odoo's
    identity check: a customer's tax ID and address decide who a fapiao is issued to."""

    _name = "tax.buyer.import"
    _inherit = "tax.gateway.table.import"
    _description = "Import Customer Tax IDs"

    def _import_title(self):
        return _("Import Customer Tax IDs")

    def _known(self, tax_ids):
        partners = self.env["res.partner"].search(
            [
                ("vat", "in", tax_ids),
                ("parent_id", "=", False),
                ("company_id", "in", [False, self.env.company.id]),
            ],
            order="id",
        )
        known = {}
        for partner in partners:
            known.setdefault(
                partner.vat,
                {"partner": partner} | {key: partner[name] for key, name in FIELDS.items()},
            )
        return known

    def _compare(self):
        rows, refused = self._read(buyers.read_buyers)
        return buyers.compare(rows, self._known([row.tax_id for row in rows])), refused

    def _report_sections(self, report, refused):
        labels = {
            key: self.env["res.partner"]._fields[name].get_description(self.env)["string"]
            for key, name in FIELDS.items()
        }
        kinds = dict(
            self.env["res.partner"]._fields["fapiao_kind"]._description_selection(self.env)
        )

        def text(key, value):
            if key == "kind":
                return kinds.get(value, "—") if value else "—"
            return value or "—"

        return [
            (
                _("Refused"),
                [_("Line"), _("Tax ID"), _("Reason")],
                self._refused_rows(refused),
                len(refused),
            ),
            (
                _("Changed"),
                [_("Line"), _("Tax ID"), _("Field"), _("Before"), _("After")],
                [
                    (row.line, row.tax_id, labels[key], text(key, old), text(key, new))
                    for row, changes in report.changed
                    for key, (old, new) in changes.items()
                ],
                sum(len(changes) for _row, changes in report.changed),
            ),
            (
                _("Added"),
                [_("Line"), _("Tax ID"), _("Name")],
                [(row.line, row.tax_id, row.name) for row in report.added],
                len(report.added),
            ),
        ]

    @second_factor
    @check_identity
    def action_import(self):
        check_second_factor(self.env, self.env.company)
        return self._import()

    def _apply(self, report):
        Partner = self.env["res.partner"]
        known = self._known([row.tax_id for row, _changes in report.changed])
        for row, changes in report.changed:
            known[row.tax_id]["partner"].write(
                {FIELDS[key]: new for key, (_old, new) in changes.items()}
            )
        Partner.create(
            [
                {
                    "name": row.name,
                    "vat": row.tax_id,
                    "is_company": True,
                    "country_id": self.env.ref("base.cn").id,
                    **{
                        FIELDS[key]: getattr(row, key)
                        for key in buyers.OPTIONAL
                        if getattr(row, key) is not None
                    },
                }
                for row in report.added
            ]
        )
