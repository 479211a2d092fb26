"""The fapiao REST API (/api/fapiao/v1): its OpenAPI 3.1 document and the reading of its
requests, in plain Python. The Odoo controller (controllers/api.py) does the work; the
document is built from the same lists the models use (kinds, states, reasons) so that it
cannot drift from them, and the tests call every route it lists and check each answer against
its schema.
"""

import datetime
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation

from . import FapiaoError, money

PREFIX = "/api/fapiao/v1"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DOCUMENT_TYPES = {"pdf": "application/pdf", "xml": "application/xml", "ofd": "application/ofd"}
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestError(FapiaoError):
    """A request the API cannot read: HTTP ``status``, the stable ``code`` the client reads,
    and ``key``, the message's entry in the add-on's translated catalogue (tg_messages)."""

    def __init__(self, code, message_key, status=400, headers=None, **params):
        super().__init__(code, **params)
        self.key, self.status, self.headers = message_key, status, headers or {}


# ------------------------------------------------------------------ reading requests
def body_json(raw):
    """The JSON object of a request body; an empty body is {}."""
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise RequestError("invalid_json", "api_body_not_json") from err
    if not isinstance(value, dict):
        raise RequestError("invalid_json", "api_body_not_object")
    return value


def issue_body(body, kinds):
    """{kind} of POST .../fapiao: ``kind`` is optional and one of ``kinds``."""
    unknown = set(body) - {"kind"}
    if unknown:
        raise RequestError("invalid_field", "api_unknown_fields", fields=", ".join(sorted(unknown)))
    kind = body.get("kind")
    if kind is not None and kind not in kinds:
        raise RequestError("invalid_kind", "api_unknown_kind", kind=str(kind)[:20])
    return kind


def red_letter_body(body, reasons):
    """(reason, lines) of POST .../red-letter. ``lines`` is None for the whole fapiao, else a
    list of (blue line id, amount excl. tax as Decimal or None for all that is left,
    quantity as Decimal or None)."""
    unknown = set(body) - {"reason", "lines"}
    if unknown:
        raise RequestError("invalid_field", "api_unknown_fields", fields=", ".join(sorted(unknown)))
    reason = body.get("reason")
    if reason not in reasons:
        raise RequestError(
            "invalid_reason",
            "api_bad_reason",
            reasons=", ".join(reasons),
        )
    lines = body.get("lines")
    if lines is None:
        return reason, None
    if not isinstance(lines, list) or not lines:
        raise RequestError("invalid_lines", "api_lines_not_list")
    read = []
    for line in lines:
        if not isinstance(line, dict) or not isinstance(line.get("line_id"), int):
            raise RequestError("invalid_lines", "api_line_without_id")
        if set(line) - {"line_id", "amount", "quantity"}:
            raise RequestError("invalid_lines", "api_line_unknown_fields")
        amount = _decimal(line.get("amount"), "amount")
        quantity = _decimal(line.get("quantity"), "quantity")
        if amount is not None and amount != money.cents(amount):
            raise RequestError("invalid_lines", "api_amount_decimals")
        if (amount is not None and amount <= 0) or (quantity is not None and quantity <= 0):
            raise RequestError("invalid_lines", "api_not_positive")
        read.append((line["line_id"], amount, quantity))
    if len({line_id for line_id, _a, _q in read}) != len(read):
        raise RequestError("invalid_lines", "api_line_twice")
    return reason, read


def _decimal(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RequestError("invalid_lines", "api_decimal_as_string", name=name)
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise RequestError("invalid_lines", "api_not_a_number", name=name) from err
    if not number.is_finite():
        raise RequestError("invalid_lines", "api_not_a_number", name=name)
    return number


def list_query(args, states):
    """Filters and page of GET /fapiao: (invoice_id, state, updated_since, limit, offset)."""
    unknown = set(args) - {"invoice_id", "state", "updated_since", "limit", "offset"}
    if unknown:
        raise RequestError(
            "invalid_field", "api_unknown_parameters", fields=", ".join(sorted(unknown))
        )
    invoice_id = _int(args.get("invoice_id"), "invoice_id", minimum=1)
    state = args.get("state") or None
    if state is not None and state not in states:
        raise RequestError("invalid_state", "api_unknown_state", state=state[:30])
    since = args.get("updated_since") or None
    if since is not None:
        try:
            since = datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as err:
            raise RequestError("invalid_date", "api_bad_datetime") from err
        if since.tzinfo:
            since = since.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    limit = _int(args.get("limit"), "limit", minimum=1) or DEFAULT_LIMIT
    offset = _int(args.get("offset"), "offset", minimum=0) or 0
    return invoice_id, state, since, min(limit, MAX_LIMIT), offset


def _int(value, name, minimum):
    if value in (None, ""):
        return None
    if not re.fullmatch(r"\d{1,12}", str(value)) or int(value) < minimum:
        raise RequestError(
            "invalid_field",
            "api_bad_integer",
            name=name,
            minimum=minimum,
        )
    return int(value)


def idempotency_key(value):
    if value is None:
        return None
    if not IDEMPOTENCY_KEY_RE.fullmatch(value):
        raise RequestError(
            "invalid_idempotency_key",
            "api_bad_idempotency_key",
        )
    return value


def fingerprint(method, path, body):
    """What makes two requests under one Idempotency-Key the same request."""
    return hashlib.sha256(f"{method} {path}\n".encode() + (body or b"")).hexdigest()


def amount(value):
    """Money in answers: a string of two decimals, never a float."""
    return format(money.cents(money.D(value)), "f")


def timestamp(value):
    """An Odoo UTC datetime as RFC 3339 (None stays None)."""
    if not value:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"


# ---------------------------------------------------------------- the OpenAPI document
def _error_response(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


ERRORS = {
    "400": _error_response("The request cannot be read."),
    "401": _error_response("No valid API key (Authorization: Bearer <key>)."),
    "403": _error_response("The key's user may not do this, or the address is not allowed."),
    "404": _error_response("No such record for this key's user."),
    "422": _error_response("Refused by the fapiao rules; nothing was changed."),
    "429": _error_response("Too many calls with this key; see Retry-After."),
}


def _responses(ok_status, ok, *errors):
    answers = {ok_status: ok}
    answers.update({code: ERRORS[code] for code in ("401", "403", *errors)})
    return answers


def _json(ref, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _id_param(name, description):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1},
    }


def openapi(kinds, states, red_states, reasons, server_url=""):
    """The OpenAPI 3.1 document of the API. ``kinds``, ``states``, ``red_states`` and
    ``reasons`` are (value, label) lists, as the models define them."""
    money_schema = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["109.00"]}
    nullable_string = {"type": ["string", "null"]}
    kind_enum = [value for value, _label in kinds]
    idempotency = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "The same key with the same request returns the first answer again "
        "and never makes a second fapiao or red letter (kept 7 days).",
        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_RE.pattern},
    }
    fapiao_id = _id_param("fapiao_id", "The fapiao's id.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fapiao API",
            "version": "1.0.0",
            "description": "Request, follow and reverse the fapiao (发票) of posted invoices. "
            "Authenticate with an Odoo API key of a user (Preferences ‣ Account Security ‣ "
            "New API Key) sent as Authorization: Bearer <key>; that user's rights and "
            "companies apply. Errors are {code, message}, the message in the user's "
            "language. Every call is written in the fapiao audit trail.",
        },
        "servers": [{"url": f"{server_url}{PREFIX}"}],
        "security": [{"apiKey": []}],
        "paths": {
            "/invoices/{invoice_id}/fapiao": {
                "post": {
                    "operationId": "requestFapiao",
                    "summary": "Request the fapiao of a posted customer invoice",
                    "description": "Prepares the invoice's fapiao (split as the company's "
                    "rules say) and queues them for issuing; answers at once. A repeated "
                    "request answers the fapiao already there, never a second set.",
                    "parameters": [
                        _id_param("invoice_id", "The posted customer invoice (account.move)."),
                        idempotency,
                    ],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/IssueRequest"}
                            }
                        },
                    },
                    "responses": _responses(
                        "202",
                        _json("IssueAnswer", "The invoice's fapiao and their states."),
                        "400",
                        "404",
                        "422",
                        "429",
                    ),
                }
            },
            "/fapiao": {
                "get": {
                    "operationId": "listFapiao",
                    "summary": "Fapiao visible to the key's user, newest change first",
                    "parameters": [
                        {
                            "name": "invoice_id",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "state",
                            "in": "query",
                            "schema": {"type": "string", "enum": [v for v, _l in states]},
                        },
                        {
                            "name": "updated_since",
                            "in": "query",
                            "description": "Changed at or after this time (ISO 8601; UTC "
                            "when no offset is given).",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT,
                            },
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                        },
                    ],
                    "responses": _responses(
                        "200", _json("FapiaoPage", "One page of fapiao."), "400", "429"
                    ),
                }
            },
            "/fapiao/{fapiao_id}": {
                "get": {
                    "operationId": "getFapiao",
                    "summary": "One fapiao",
                    "parameters": [fapiao_id],
                    "responses": _responses("200", _json("Fapiao", "The fapiao."), "404", "429"),
                }
            },
            "/fapiao/{fapiao_id}/documents/{document_type}": {
                "get": {
                    "operationId": "getFapiaoDocument",
                    "summary": "The archived document of an issued fapiao",
                    "parameters": [
                        fapiao_id,
                        {
                            "name": "document_type",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(DOCUMENT_TYPES)},
                        },
                    ],
                    "responses": _responses(
                        "200",
                        {
                            "description": "The file as the platform gave it.",
                            "content": {
                                mimetype: {"schema": {"type": "string", "format": "binary"}}
                                for mimetype in DOCUMENT_TYPES.values()
                            },
                        },
                        "404",
                        "429",
                    ),
                }
            },
            "/fapiao/{fapiao_id}/red-letter": {
                "post": {
                    "operationId": "requestRedLetter",
                    "summary": "Request a red letter (红字发票信息确认单) of an issued fapiao",
                    "description": "Without lines, everything left of the fapiao is reversed; "
                    "with lines, the amounts given (tax excluded; the tax follows the line's "
                    "rate). Fapiao Managers only.",
                    "parameters": [fapiao_id, idempotency],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/RedLetterRequest"}
                            }
                        },
                    },
                    "responses": _responses(
                        "202",
                        _json("RedForm", "The red form, sent to the tax bureau."),
                        "400",
                        "404",
                        "422",
                        "429",
                    ),
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An Odoo API key of the user the calls act as.",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
                "Money": money_schema,
                "IssueRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": kind_enum,
                            "description": "; ".join(f"{v}: {label}" for v, label in kinds),
                        }
                    },
                },
                "FapiaoRef": {
                    "type": "object",
                    "required": ["id", "state", "kind"],
                    "properties": {
                        "id": {"type": "integer"},
                        "state": {"type": "string", "enum": [v for v, _l in states]},
                        "kind": {"type": "string", "enum": kind_enum},
                    },
                },
                "IssueAnswer": {
                    "type": "object",
                    "required": ["invoice_id", "fapiao"],
                    "properties": {
                        "invoice_id": {"type": "integer"},
                        "fapiao": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/FapiaoRef"},
                        },
                    },
                },
                "Fapiao": {
                    "type": "object",
                    "required": [
                        "id",
                        "invoice_id",
                        "company_id",
                        "kind",
                        "direction",
                        "state",
                        "number",
                        "issue_date",
                        "currency",
                        "amount_untaxed",
                        "amount_tax",
                        "amount_total",
                        "buyer",
                        "lines",
                        "documents",
                        "error",
                        "updated_at",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "invoice_id": {"type": ["integer", "null"]},
                        "company_id": {"type": "integer"},
                        "kind": {"type": "string", "enum": kind_enum},
                        "direction": {"type": "string", "enum": ["blue", "red"]},
                        "state": {"type": "string", "enum": [v for v, _l in states]},
                        "number": {
                            "type": ["string", "null"],
                            "description": "The 20-digit fapiao number once issued.",
                        },
                        "paper_code": nullable_string,
                        "paper_number": nullable_string,
                        "issue_date": {"type": ["string", "null"], "format": "date-time"},
                        "currency": {"type": "string"},
                        "amount_untaxed": {"$ref": "#/components/schemas/Money"},
                        "amount_tax": {"$ref": "#/components/schemas/Money"},
                        "amount_total": {"$ref": "#/components/schemas/Money"},
                        "buyer": {
                            "type": "object",
                            "required": ["name", "tax_id"],
                            "properties": {"name": nullable_string, "tax_id": nullable_string},
                        },
                        "lines": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "name", "amount", "tax_amount", "tax_rate"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "quantity": {"type": ["string", "null"]},
                                    "amount": {"$ref": "#/components/schemas/Money"},
                                    "tax_amount": {"$ref": "#/components/schemas/Money"},
                                    "tax_rate": {"type": "string"},
                                },
                            },
                        },
                        "documents": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(DOCUMENT_TYPES)},
                        },
                        "error": {
                            "oneOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]
                        },
                        "updated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "FapiaoPage": {
                    "type": "object",
                    "required": ["items", "total", "next_offset"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Fapiao"},
                        },
                        "total": {"type": "integer"},
                        "next_offset": {"type": ["integer", "null"]},
                    },
                },
                "RedLetterRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["reason"],
                    "properties": {
                        "reason": {
                            "type": "string",
                            "enum": [v for v, _l in reasons],
                            "description": "; ".join(f"{v}: {label}" for v, label in reasons),
                        },
                        "lines": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["line_id"],
                                "properties": {
                                    "line_id": {"type": "integer"},
                                    "amount": {
                                        "$ref": "#/components/schemas/Money",
                                        "description": "Tax excluded; all that is left when "
                                        "left out.",
                                    },
                                    "quantity": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "RedForm": {
                    "type": "object",
                    "required": ["id", "fapiao_id", "state", "reason", "amount_total"],
                    "properties": {
                        "id": {"type": "integer"},
                        "fapiao_id": {"type": "integer"},
                        "state": {"type": "string", "enum": [v for v, _l in red_states]},
                        "reason": {"type": "string", "enum": [v for v, _l in reasons]},
                        "amount_total": {"$ref": "#/components/schemas/Money"},
                    },
                },
            },
        },
    }
