"""One translated catalogue for the error codes raised by the plain-Python core (fapiao_core)."""

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
    "vehicle_type_code_unset": _lt(
        "The platform's code for a motor-vehicle fapiao is not confirmed: set it on the "
        "platform's form (Vehicle Fapiao Code) before issuing one."
    ),
    "kind_not_offered": _lt(
        "%(platform)s does not issue this kind of fapiao (%(kind)s) through this connector: "
        "issue it through a platform that does, or on the tax bureau's own site."
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
    # the REST API (fapiao_core.api, controllers/api.py)
    "api_body_not_json": _lt("The request body is not JSON."),
    "api_body_not_object": _lt("The request body must be a JSON object."),
    "api_unknown_fields": _lt("Unknown field(s): %(fields)s."),
    "api_unknown_kind": _lt("Unknown fapiao kind %(kind)s."),
    "api_bad_reason": _lt("The red-letter reason must be one of %(reasons)s."),
    "api_lines_not_list": _lt("lines must be a non-empty list, or left out."),
    "api_line_without_id": _lt("Each line needs its line_id (an integer)."),
    "api_line_unknown_fields": _lt("A line has line_id, amount and quantity only."),
    "api_amount_decimals": _lt("An amount has at most two decimals."),
    "api_not_positive": _lt("Amounts and quantities are positive."),
    "api_line_twice": _lt("A line is named twice."),
    "api_decimal_as_string": _lt("%(name)s is a decimal written as a string."),
    "api_not_a_number": _lt("%(name)s is not a number."),
    "api_unknown_parameters": _lt("Unknown parameter(s): %(fields)s."),
    "api_unknown_state": _lt("Unknown state %(state)s."),
    "api_bad_datetime": _lt("updated_since is an ISO 8601 date and time."),
    "api_bad_integer": _lt("%(name)s must be an integer of at least %(minimum)s."),
    "api_bad_idempotency_key": _lt(
        "An Idempotency-Key has 8 to 128 letters, digits or ._:- characters."
    ),
    "api_unauthorized": _lt("A valid API key is required (Authorization: Bearer <key>)."),
    "api_ip_not_allowed": _lt("Address %(address)s may not call the fapiao API of %(company)s."),
    "api_rate_limited": _lt("Too many calls with this API key: try again in %(wait)s s."),
    "api_invoice_not_found": _lt("No customer invoice %(id)s for this API key's user."),
    "api_fapiao_not_found": _lt("No fapiao %(id)s for this API key's user."),
    "api_idempotency_mismatch": _lt(
        "Idempotency-Key %(key)s was already used for another request."
    ),
    "api_idempotency_busy": _lt(
        "A request with Idempotency-Key %(key)s is still running: try again shortly."
    ),
    "api_not_invoiceable": _lt("Invoice %(invoice)s has no fapiao to issue."),
    "api_no_document": _lt("Fapiao %(fapiao)s has no %(type)s document."),
    "api_line_not_of_fapiao": _lt("Line %(line)s is not a line of fapiao %(fapiao)s."),
}


# the neutral names of the vehicle data (fapiao_core.platform.VEHICLE_KEYS), as the fapiao
# prints them
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
    # texts of a fapiao (fapiao_core.platform.TEXT_FIELDS)
    "seller": _lt("seller's data"),
    "buyer": _lt("buyer's data"),
    "line": _lt("line names, specifications and units"),
    "remark": _lt("remark"),
    "drawer": _lt("drawer's name"),
}


def core_message(env, code, params):
    """The translated text of a fapiao_core error code (the code itself when unknown)."""
    message = MESSAGES.get(code)
    if "field" in params and params["field"] in FIELD_LABELS:
        params = dict(params, field=env._(FIELD_LABELS[params["field"]]))
    return env._(message) % params if message else f"{code}: {params}"


def core_error(env, err, exc_class=UserError):
    """Turn a fapiao_core FapiaoError into an Odoo exception in the user's language."""
    return exc_class(core_message(env, err.code, err.params))


def core_validation_error(env, err):
    return core_error(env, err, ValidationError)
