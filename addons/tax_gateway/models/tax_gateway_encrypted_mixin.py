import os

from fapiao_core import FapiaoError
from fapiao_core.crypto import Keyring
from fapiao_core.masking import is_masked_form_of, mask

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import config

# who reads personal data in clear; everyone else sees it masked (脱敏)
PERSONAL_DATA_GROUP = "tax_gateway.group_fapiao_personal_data"

_KEYRINGS = {}


def get_keyring(env):
    """The keyring named in odoo.conf (fapiao_key_file, or fapiao_key_env naming an environment
    variable). Never stored in the database. Cached per file modification time."""
    path = config.get("fapiao_key_file")
    variable = config.get("fapiao_key_env")
    if path:
        try:
            stamp = ("file", path, os.stat(path).st_mtime_ns)
        except OSError as err:
            raise UserError(env._("The fapiao key file %s cannot be read.", path)) from err
        if stamp not in _KEYRINGS:
            _KEYRINGS.clear()
            _KEYRINGS[stamp] = Keyring.from_file(path)
        return _KEYRINGS[stamp]
    if variable and os.environ.get(variable):
        return Keyring.from_env(variable)
    raise UserError(
        env._(
            "Personal data cannot be stored: no encryption key is configured. Set fapiao_key_file "
            "(or fapiao_key_env) in the Odoo configuration file."
        )
    )


class TaxGatewayEncryptedMixin(models.AbstractModel):
    """Personal data encrypted at rest (AES-256-GCM, fapiao_core.crypto).

    A model lists in ``_encrypted_fields`` the names of non-stored Char fields computed with
    ``_compute_encrypted`` and inverted with ``_inverse_encrypted``; each is backed by a stored
    ``<name>_enc`` (ciphertext) and, for exact-match search, ``<name>_hash`` (blind index).

    The values of a natural person (``_is_natural_person``) read in clear only for the
    personal-data group (issuers and managers) and in superuser mode; every other user reads
    them masked (脱敏), through forms, lists, exports, onchange and RPC alike. Code that must
    use the clear value (to build a platform request, to check it) reads ``_personal_clear``.
    """

    _name = "tax.gateway.encrypted.mixin"
    _description = "Personal Data Encrypted at Rest"
    _encrypted_fields = ()

    def _crypto_field(self, name):
        return f"{self._name}.{name}"

    def _is_natural_person(self):
        """True when this record's encrypted values are a natural person's (masked for users
        without the personal-data right). Company data (a tax ID, a company's bank account)
        is not personal data and reads in clear."""
        return True

    def _personal_data_allowed(self):
        return self.env.su or self.env.user.has_group(PERSONAL_DATA_GROUP)

    def _personal_clear(self, name):
        """The clear value of one encrypted field of this record, whoever runs the code: for
        requests to the platform and for checks, never to be shown to the user."""
        self.ensure_one()
        if self._personal_data_allowed():
            return self[name]
        return self.sudo()[name]  # reason: clear personal data for the process, not the user

    def _personal_values(self):
        """{field: clear value} of every encrypted field of this record (see _personal_clear)."""
        self.ensure_one()
        return {name: self._personal_clear(name) for name in self._encrypted_fields}

    # the natural-person fields are read, not depended on: a create that sets them with the
    # values would drop the values it is about to encrypt
    @api.depends(lambda self: [f"{name}_enc" for name in self._encrypted_fields])
    @api.depends_context("uid")
    def _compute_encrypted(self):
        stored = [(r, n, r[f"{n}_enc"]) for r in self for n in self._encrypted_fields]
        ring = get_keyring(self.env) if any(value for _r, _n, value in stored) else None
        masked = not self._personal_data_allowed()
        for record, name, value in stored:
            try:
                clear = ring.decrypt(value, self._crypto_field(name)) if value else False
                record[name] = mask(clear) if masked and record._is_natural_person() else clear
            except (FapiaoError, ValueError) as err:
                raise UserError(
                    self.env._(
                        "A personal data value cannot be decrypted with the "
                        "configured key (%s).",
                        name,
                    )
                ) from err

    def _inverse_encrypted(self):
        for record in self:
            values = {}
            for name in self._encrypted_fields:
                clear = record[name] or False
                ring = get_keyring(self.env) if clear or record[f"{name}_enc"] else None
                current = (
                    ring.decrypt(record[f"{name}_enc"], self._crypto_field(name))
                    if record[f"{name}_enc"]
                    else False
                )
                if clear == current or is_masked_form_of(clear, current):
                    continue  # unchanged, or its masked form written back
                values[f"{name}_enc"] = ring.encrypt(clear, self._crypto_field(name)) or False
                if f"{name}_hash" in self._fields:
                    values[f"{name}_hash"] = ring.blind_index(clear, self._crypto_field(name))
            if values:
                record.write(values)

    def copy_data(self, default=None):
        """A duplicate keeps the personal data (encrypted again under its own record)."""
        vals_list = super().copy_data(default=default)
        for record, vals in zip(self, vals_list, strict=True):
            for name in self._encrypted_fields:
                if name not in vals and record[f"{name}_enc"]:
                    vals[name] = record._personal_clear(name)
        return vals_list

    def _search_encrypted(self, name, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, str):
            raise UserError(self.env._("Personal data can only be searched by its exact value."))
        digest = get_keyring(self.env).blind_index(value, self._crypto_field(name))
        return [(f"{name}_hash", operator, digest)]

    @api.model
    def _rotate_all_keys(self):
        """Re-encrypt every value written under an older key (after adding a new first line to
        the key file). Returns the number of values rewritten."""
        ring = get_keyring(self.env)
        count = 0
        for model_name in self.env.registry.descendants([self._name], "_inherit"):
            model = self.env[model_name]
            if model._abstract or not model._encrypted_fields:
                continue
            model = model.with_context(active_test=False).sudo()  # reason: maintenance job
            for name in model._encrypted_fields:
                domain = [
                    (f"{name}_enc", "!=", False),
                    (f"{name}_enc", "not like", f"enc1:{ring.current_id}:%"),
                ]
                for record in model.search(domain):
                    clear = ring.decrypt(record[f"{name}_enc"], model._crypto_field(name))
                    values = {f"{name}_enc": ring.encrypt(clear, model._crypto_field(name))}
                    if f"{name}_hash" in model._fields:
                        values[f"{name}_hash"] = ring.blind_index(clear, model._crypto_field(name))
                    record.write(values)
                    count += 1
        return count
