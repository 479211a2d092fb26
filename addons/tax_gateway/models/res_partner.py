import json

from fapiao_core import FapiaoError
from fapiao_core.validators import PERSON_ID_TYPES, RESIDENT_ID, validate_tax_id

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.base.models.res_users import check_identity

from .tax_gateway_guarded_mixin import (
    check_second_factor,
    identity_recently_checked,
    second_factor,
)
from .tg_messages import core_validation_error

FAPIAO_KINDS_PREFERRED = [("81", "数电专票"), ("82", "数电普票")]


class ResPartner(models.Model):
    """The buyer's fapiao profile. The enterprise tax ID is Odoo's own `vat` field; a natural
    person's ID number, phone, address and bank account are encrypted at rest."""

    _name = "res.partner"
    _inherit = ["res.partner", "tax.gateway.encrypted.mixin"]
    _encrypted_fields = (
        "fapiao_id_number",
        "fapiao_address_phone",
        "fapiao_bank_account",
        "fapiao_phone",
    )

    fapiao_title = fields.Char(help="购买方名称; empty: the partner name.")
    fapiao_natural_person = fields.Boolean(
        string="Natural Person",
        help="自然人: no 专票, the resident ID number replaces the tax ID.",
    )
    fapiao_id_type = fields.Selection(
        [(code, f"{code} {name}") for code, name in PERSON_ID_TYPES.items()],
        string="ID Document",
        default=RESIDENT_ID,
        help="证件类型 of a natural person: a resident ID is checked digit by digit; a foreign "
        "passport or a travel permit only for its shape.",
    )
    fapiao_id_number = fields.Char(
        string="ID Number",
        compute="_compute_encrypted",
        inverse="_inverse_encrypted",
        search="_search_fapiao_id_number",
    )
    fapiao_address_phone = fields.Char(
        string="Fapiao Address and Phone",
        compute="_compute_encrypted",
        inverse="_inverse_encrypted",
    )
    fapiao_bank_account = fields.Char(
        string="Fapiao Bank and Account",
        compute="_compute_encrypted",
        inverse="_inverse_encrypted",
    )
    fapiao_email = fields.Char(
        string="Fapiao E-mail", help="Where the platform delivers the fapiao."
    )
    fapiao_phone = fields.Char(
        string="Fapiao Mobile",
        compute="_compute_encrypted",
        inverse="_inverse_encrypted",
        search="_search_fapiao_phone",
    )
    # ciphertext and blind indexes behind the fields above (tax.gateway.encrypted.mixin)
    fapiao_id_number_enc = fields.Char(copy=False)
    fapiao_id_number_hash = fields.Char(copy=False, index=True)
    fapiao_address_phone_enc = fields.Char(copy=False)
    fapiao_bank_account_enc = fields.Char(copy=False)
    fapiao_phone_enc = fields.Char(copy=False)
    fapiao_phone_hash = fields.Char(copy=False, index=True)
    fapiao_kind = fields.Selection(FAPIAO_KINDS_PREFERRED, string="Preferred Fapiao Kind")

    def _is_natural_person(self):
        return self.fapiao_natural_person or not self.is_company

    def _search_fapiao_id_number(self, operator, value):
        return self._search_encrypted("fapiao_id_number", operator, value)

    def _search_fapiao_phone(self, operator, value):
        return self._search_encrypted("fapiao_phone", operator, value)

    @api.constrains(
        "vat",
        "fapiao_natural_person",
        "fapiao_id_number",  # checked after its inverse, for whoever wrote it
        "fapiao_id_number_enc",
        "fapiao_id_type",
        "country_id",
    )
    def _check_fapiao_tax_id(self):
        for partner in self:
            id_number = partner._personal_clear("fapiao_id_number")
            try:
                if partner.fapiao_natural_person and id_number:
                    validate_tax_id(
                        id_number,
                        natural_person=True,
                        id_type=partner.fapiao_id_type,
                    )
                elif partner.vat and partner.country_id.code == "CN" and partner.is_company:
                    validate_tax_id(partner.vat)
            except FapiaoError as err:
                raise core_validation_error(self.env, err) from err

    def _fapiao_buyer_values(self):
        """The buyer block of a fapiao, taken from the commercial partner."""
        self.ensure_one()
        partner = self.commercial_partner_id
        natural = partner.fapiao_natural_person or not partner.is_company
        clear = partner._personal_values()  # copied onto the fapiao, encrypted there again
        return {
            "buyer_name": partner.fapiao_title or partner.name,
            "buyer_tax_id": (clear["fapiao_id_number"] if natural else partner.vat) or False,
            "buyer_natural_person": natural,
            "buyer_id_type": (partner.fapiao_id_type or RESIDENT_ID) if natural else False,
            "buyer_address_phone": clear["fapiao_address_phone"]
            or " ".join(filter(None, [partner.contact_address_inline, partner.phone])),
            "buyer_bank_account": clear["fapiao_bank_account"] or False,
            "buyer_email": partner.fapiao_email or partner.email or False,
        }

    # ------------------------------------------------------------- GB/T 35273 access right
    def action_fapiao_personal_data(self):
        """个人信息副本: the personal data the fapiao add-ons hold about this person, downloaded
        as one JSON file (the data subject's access right, GB/T 35273-2020 §8.1). Managers
        only, after the password; every download goes into the audit trail."""
        self.ensure_one()
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise AccessError(_("Only a Fapiao Manager may export a person's personal data."))
        return self._fapiao_personal_data_checked()

    @second_factor
    @check_identity
    def _fapiao_personal_data_checked(self):
        check_second_factor(self.env, self.env.company)
        self._check_personal_data_export()
        return {
            "type": "ir.actions.act_url",
            "url": f"/tax_gateway/personal_data/{self.id}",
            "target": "download",
        }

    def _check_personal_data_export(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise AccessError(_("Only a Fapiao Manager may export a person's personal data."))
        if not identity_recently_checked():
            raise AccessError(_("Exporting a person's personal data needs your password again."))

    def _fapiao_personal_data_export(self):
        """(file name, JSON bytes) of this person's data, audited. The fapiao are those the
        user may read: issued to this person, or prepared for them."""
        self.ensure_one()
        self._check_personal_data_export()
        person = self.commercial_partner_id
        fapiao = self.env["tax.fapiao"].search(
            [("move_id.commercial_partner_id", "=", person.id)], order="id"
        )
        clear = person._personal_values()
        document = {
            "subject": {
                "name": person.name,
                "fapiao_title": person.fapiao_title or "",
                "natural_person": bool(person.fapiao_natural_person),
                "id_type": person.fapiao_id_type or "",
                "id_number": clear["fapiao_id_number"] or "",
                "address_phone": clear["fapiao_address_phone"] or "",
                "bank_account": clear["fapiao_bank_account"] or "",
                "mobile": clear["fapiao_phone"] or "",
                "email": person.fapiao_email or person.email or "",
            },
            "fapiao": [
                {
                    "number": f.number or "",
                    "kind": f.kind,
                    "direction": f.direction,
                    "state": f.state,
                    "issue_date": fields.Datetime.to_string(f.issue_date) or "",
                    "amount_total": str(f.amount_total),
                    "buyer_name": f.buyer_name or "",
                    "buyer_tax_id": f._personal_clear("buyer_tax_id") or "",
                    "buyer_address_phone": f._personal_clear("buyer_address_phone") or "",
                    "buyer_bank_account": f._personal_clear("buyer_bank_account") or "",
                    "buyer_email": f.buyer_email or "",
                }
                for f in fapiao
            ],
            "exported_at": fields.Datetime.to_string(fields.Datetime.now()),
            "exported_by": self.env.user.name,
        }
        self.env["tax.gateway.audit"]._append(
            person, "personal_data_access", detail=f"{len(fapiao)} fapiao"
        )
        content = json.dumps(document, ensure_ascii=False, indent=2).encode()
        return f"personal-data-{person.id}.json", content
