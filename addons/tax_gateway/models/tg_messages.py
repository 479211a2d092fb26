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
    "person_id_invalid": _lt("%(value)s is not a valid %(document)s number."),
    "person_id_type_unknown": _lt("%(value)s is not a known identity document type."),
    "tax_id_length": _lt(
        "Taxpayer ID %(value)s must be an 18-character Unified Social Credit Code "
        "or a legacy 15, 17 or 20-character number."
    ),
    "fapiao_number_invalid": _lt("Fapiao number %(value)s must have 20 digits."),
    "vehicle_data_missing": _lt(
        "The motor-vehicle fapiao needs the vehicle's %(field)s: fill it in on the vehicle "
        "(its lot / VIN) before issuing."
    ),
    "vehicle_data_too_long": _lt(
        "The vehicle's %(field)s is longer than the platform accepts (%(size)s characters)."
    ),
    "paper_vehicle_line_unset": _lt(
        "The platform's code for a paper motor-vehicle fapiao (87) is not confirmed: set it on "
        "the platform's form (Paper Vehicle Code) before issuing one."
    ),
    "tax_code_invalid": _lt("Tax classification code %(value)s must have 19 digits."),
    "text_not_gbk": _lt(
        "“%(value)s” in the %(field)s cannot be issued: the tax bureau takes only the GBK "
        "character set. Replace it before issuing."
    ),
    "too_many_lines": _lt(
        "This fapiao has %(count)s lines; the platform takes at most %(limit)s a fapiao. Split "
        "the invoice."
    ),
    "line_too_many_decimals": _lt(
        "Line %(line)s: quantity and unit price may have at most 8 decimals."
    ),
    "line_amount_absurd": _lt(
        "Line %(line)s: %(amount)s is not an amount a fapiao can carry (not a number, infinite "
        "or above 999,999,999,999.99)."
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
    "tax_table_unreadable": _lt("The file cannot be read as CSV or XLSX: %(error)s"),
    "tax_table_no_header": _lt(
        "No header row with a code column (code / 税收分类编码) and a name column "
        "(name / 商品和服务名称) was found."
    ),
    "tax_table_duplicate": _lt("Code %(value)s appears more than once in the file."),
    "tax_table_no_name": _lt("Code %(value)s has no name."),
    "tax_table_bad_rate": _lt("%(value)s is not a VAT rate (write 0.09, 9 or 9%%)."),
    "tax_table_bad_flag": _lt("%(value)s is not a policy marker (01 to 18)."),
    "buyer_table_no_header": _lt(
        "No header row with a name column (名称 / 购方名称) and a tax ID column "
        "(税号 / 纳税人识别号) was found."
    ),
    "buyer_table_no_name": _lt("Tax ID %(value)s has no name."),
    "buyer_table_duplicate": _lt("Tax ID %(value)s appears more than once in the file."),
    "buyer_table_bad_kind": _lt("%(value)s is not a fapiao type (专票 or 普票)."),
    "buyer_table_bad_email": _lt("%(value)s is not an e-mail address."),
}


# the neutral names of the vehicle data (tg_core.platform.VEHICLE_KEYS), as the fapiao prints them
FIELD_LABELS = {
    "vehicle_type": _lt("vehicle type (车辆类型)"),
    "brand_model": _lt("brand and model (厂牌型号)"),
    "origin": _lt("origin (产地)"),
    "vin": _lt("VIN (车辆识别代号)"),
    "certificate": _lt("certificate number (合格证号)"),
    "import_certificate": _lt("import certificate (进口证明书号)"),
    "inspection_number": _lt("inspection number (商检单号)"),
    "engine_number": _lt("engine number (发动机号码)"),
    "tonnage": _lt("tonnage (吨位)"),
    "seats": _lt("seats (限乘人数)"),
    "manufacturer": _lt("manufacturer (生产厂家)"),
    # texts of a fapiao (tg_core.platform.TEXT_FIELDS)
    "seller": _lt("seller's data"),
    "buyer": _lt("buyer's data"),
    "line": _lt("line names, specifications and units"),
    "remark": _lt("remark"),
    "drawer": _lt("drawer's name"),
}


def core_message(env, code, params):
    """The translated text of a tg_core error code (the code itself when unknown)."""
    message = MESSAGES.get(code)
    if "field" in params and params["field"] in FIELD_LABELS:
        params = dict(params, field=env._(FIELD_LABELS[params["field"]]))
    return env._(message) % params if message else f"{code}: {params}"


def core_error(env, err, exc_class=UserError):
    """Turn a tg_core FapiaoError into an Odoo exception in the user's language."""
    return exc_class(core_message(env, err.code, err.params))


def core_validation_error(env, err):
    return core_error(env, err, ValidationError)
