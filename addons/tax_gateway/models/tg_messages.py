"""One translated catalogue for the error codes raised by the plain-Python core (tg_core)."""

from odoo import _lt
from odoo.exceptions import UserError, ValidationError

MESSAGES = {
    "uscc_invalid": _lt("%(value)s is not a Unified Social Credit Code (18 characters)."),
    "uscc_checksum": _lt(
        "The check character of the Unified Social Credit Code %(value)s is wrong."
    ),
    "resident_id_invalid": _lt("%(value)s is not a valid resident identity card number."),
    "resident_id_checksum": _lt(
        "The check digit of the resident identity card number %(value)s is wrong."
    ),
    "tax_id_length": _lt(
        "Taxpayer ID %(value)s must be an 18-character Unified Social Credit Code "
        "or a legacy 15, 17 or 20-character number."
    ),
    "fapiao_number_invalid": _lt("Fapiao number %(value)s must have 20 digits."),
    "tax_code_invalid": _lt("Tax classification code %(value)s must have 19 digits."),
    "line_too_many_decimals": _lt(
        "Line %(line)s: quantity and unit price may have at most 8 decimals."
    ),
    "line_amount_not_cents": _lt(
        "Line %(line)s: the amount %(amount)s is not rounded to the cent."
    ),
    "line_price_mismatch": _lt(
        "Line %(line)s: quantity × unit price does not give the amount %(amount)s."
    ),
    "line_tax_mismatch": _lt(
        "Line %(line)s: tax %(tax)s differs from amount × rate (%(expected)s) by more than 0.06."
    ),
    "header_not_sum_of_lines": _lt(
        "The fapiao totals are not the sum of its lines (lines: amount %(amount)s, tax %(tax)s)."
    ),
    "fapiao_invoice_mismatch": _lt(
        "The fapiao total %(total)s differs from its invoice (%(invoice)s) by more than 0.01."
    ),
}


def core_error(env, err, exc_class=UserError):
    """Turn a tg_core FapiaoError into an Odoo exception in the user's language."""
    message = MESSAGES.get(err.code)
    text = env._(message) % err.params if message else str(err)
    return exc_class(text)


def core_validation_error(env, err):
    return core_error(env, err, ValidationError)
