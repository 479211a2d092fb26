from odoo import api, fields, models

from ..tg_core import FapiaoError
from ..tg_core.validators import PERSON_ID_TYPES, RESIDENT_ID, validate_tax_id
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

    def _search_fapiao_id_number(self, operator, value):
        return self._search_encrypted("fapiao_id_number", operator, value)

    def _search_fapiao_phone(self, operator, value):
        return self._search_encrypted("fapiao_phone", operator, value)

    @api.constrains(
        "vat", "fapiao_natural_person", "fapiao_id_number_enc", "fapiao_id_type", "country_id"
    )
    def _check_fapiao_tax_id(self):
        for partner in self:
            try:
                if partner.fapiao_natural_person and partner.fapiao_id_number:
                    validate_tax_id(
                        partner.fapiao_id_number,
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
        return {
            "buyer_name": partner.fapiao_title or partner.name,
            "buyer_tax_id": (partner.fapiao_id_number if natural else partner.vat) or False,
            "buyer_natural_person": natural,
            "buyer_id_type": (partner.fapiao_id_type or RESIDENT_ID) if natural else False,
            "buyer_address_phone": partner.fapiao_address_phone
            or " ".join(filter(None, [partner.contact_address_inline, partner.phone])),
            "buyer_bank_account": partner.fapiao_bank_account or False,
            "buyer_email": partner.fapiao_email or partner.email or False,
        }
