"""The neutral boundary between Odoo and a tax platform (plain Python, no Odoo import).

The Odoo models build a :class:`FapiaoRequest` and read :class:`Result` s; they never see a
platform's field names, status codes or methods. Each platform is one *dialect*: a client class
that speaks its protocol, registered here under a name (``register``), chosen per provider
(``dialect_choices``, ``client_class``). Adding a platform is one adapter module, its sandbox
dialect and tests.

The words are the bureau's, not a platform's: the kinds of fapiao (数电 81 专票, 82 普票, 83
机动车, 85-87 paper, ``agri`` 农产品收购), the 证件类型 codes of a person (201 居民身份证...),
red-letter reasons and the states of a red-letter form (01-10), amounts as exact Decimals.
"""

import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal

from . import FapiaoError

CHINA = datetime.timezone(datetime.timedelta(hours=8))  # the time of the bureau and its fapiao

# ------------------------------------------------------------------ kinds
SPECIAL_KINDS = ("81", "85")  # 专票: never to a natural person, the buyer's tax ID required
PAPER_KINDS = ("85", "86", "87")  # printed on the bureau's paper: a code and number of their own
VEHICLE_KINDS = ("83", "87")  # 机动车销售统一发票: one vehicle, its data in ``vehicle``
AGRI = "agri"  # 农产品收购发票: the buyer issues it; the farmer is the seller

# ----------------------------------------------------------------- result states
PENDING = "pending"  # the platform is still issuing (or sealing): ask again later
ISSUED = "issued"  # the bureau gave its number
REFUSED = "refused"  # refused for its content: a corrected fapiao goes under a new business key
RETRY = "retry"  # failed at a step the platform repeats under the same key (e.g. the seal)
VOIDED = "voided"  # a paper fapiao voided (作废), or being voided, at the platform
RESULT_STATES = (PENDING, ISSUED, REFUSED, RETRY, VOIDED)

# ------------------------------------------------------- the drawer's session
# The 数电 drawer (开票员) works in a session at the tax bureau: logged in (登录电子税务局) and,
# now and then, asked to confirm who they are (实名认证, 刷脸). Without it nothing is issued.
SESSION_OK = "ok"
SESSION_LOGIN = "login"  # the drawer must log in (QR code or SMS code)
SESSION_VERIFY = "verify"  # the drawer must confirm their identity (QR code)
SESSION_UNKNOWN = "unknown"  # the platform did not say: issuing tells
SESSION_STATES = (SESSION_OK, SESSION_LOGIN, SESSION_VERIFY, SESSION_UNKNOWN)

# the documents of an issued fapiao, by neutral name
DOCUMENTS = ("xml", "sig", "pdf", "ofd")

# a vehicle's data (机动车): 车辆类型, 厂牌型号, 产地, 车辆识别代号, 合格证号, 进口证明书号,
# 商检单号, 发动机号码, 吨位, 限乘人数, 生产厂家 (their labels: models/tg_messages.FIELD_LABELS)
VEHICLE_KEYS = (
    "vehicle_type",
    "brand_model",
    "origin",
    "vin",
    "certificate",
    "import_certificate",
    "inspection_number",
    "engine_number",
    "tonnage",
    "seats",
    "manufacturer",
)
VEHICLE_REQUIRED = ("vin", "vehicle_type", "brand_model", "origin")


@dataclass(frozen=True)
class Party:
    """The seller or the buyer as printed on the fapiao."""

    name: str
    tax_id: str = ""
    address_phone: str = ""
    bank_account: str = ""
    natural_person: bool = False
    id_type: str = ""  # 证件类型 of a natural person (validators.PERSON_ID_TYPES)
    email: str = ""


@dataclass(frozen=True)
class Line:
    """One line, tax excluded: ``amount`` and ``tax`` in cents, ``rate`` a fraction (0.09)."""

    name: str
    tax_code: str  # the 19-digit 税收分类编码
    rate: Decimal
    amount: Decimal
    tax: Decimal
    spec: str = ""
    unit: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    policy_flag: str = ""  # 优惠政策标识 (exempt, zero rate...), the bureau's marker

    @property
    def total(self):
        return self.amount + self.tax


@dataclass(frozen=True)
class FapiaoRequest:
    """A fapiao to issue (``direction`` blue) under its business key, fixed before the first
    call and reused on every retry."""

    business_key: str
    kind: str
    seller: Party
    buyer: Party
    lines: tuple
    direction: str = "blue"
    issued_at: datetime.datetime | None = None  # the date asked for (China time)
    drawer: str = ""  # 开票人
    remark: str = ""
    callback_url: str = ""
    vehicle: dict | None = None  # VEHICLE_KEYS -> text, for 83/87 and a vehicle on a 专票

    @property
    def total(self):
        """Tax included, signed as sent (a red fapiao is negative)."""
        return sum((line.total for line in self.lines), Decimal("0.00"))


@dataclass
class Result:
    """What the platform says of one business key."""

    business_key: str
    serial: str  # the platform's own id of the submission
    state: str  # RESULT_STATES
    number: str | None = None  # the bureau's 20-digit number
    issued_at: datetime.datetime | None = None  # UTC, naive (as Odoo stores it)
    code: str = ""  # the platform's own status or error code, shown to the user
    message: str = ""
    documents: dict = field(default_factory=dict)  # DOCUMENTS name -> URL
    total: Decimal | None = None  # tax included, as the platform echoes it (red: negative)
    paper_code: str | None = None  # 发票代码 and 发票号码 of a paper fapiao
    paper_number: str | None = None
    qr: str = ""  # the payload of the fapiao's QR code, when the platform gives it
    adopted: bool = False  # an earlier submission was found and taken

    @property
    def done(self):
        return self.state != PENDING


@dataclass
class RedFormResult:
    """A 红字确认单 as the bureau knows it; amounts negative, ``status`` the bureau's 01-10,
    ``reason`` the bureau's 01-04."""

    bill_id: str
    bill_no: str
    bill_uuid: str
    status: str
    blue_number: str
    apply_source: str  # "0" seller, "1" buyer
    reason: str
    amount: Decimal
    tax: Decimal
    detail: list = field(default_factory=list)  # [(blue line position, Line)], negative
    red_serial: str | None = None
    red_number: str | None = None


@dataclass(frozen=True)
class RedFormRequest:
    """A seller's application for a 红字确认单 against an issued blue fapiao. ``lines``: None
    for the whole fapiao, else (blue line position from 1, Line with negative amounts)."""

    bill_id: str
    blue_kind: str
    blue_number: str
    seller: Party
    buyer: Party
    reason: str  # the bureau's 01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让
    lines: tuple | None = None


def texts(request):
    """(field, text) of what the fapiao prints: its parties, lines, remark and drawer."""
    for role, party in (("seller", request.seller), ("buyer", request.buyer)):
        for text in (party.name, party.address_phone, party.bank_account):
            yield role, text or ""
    for line in request.lines:
        for text in (line.name, line.spec, line.unit):
            yield "line", text or ""
    yield "remark", request.remark or ""
    yield "drawer", request.drawer or ""


def check_request(request):
    """What the bureau needs whatever the platform: a motor-vehicle fapiao names its vehicle
    (VIN, 车辆类型, 厂牌型号, 产地). The dialect checks its own limits
    (``PlatformClient.check``)."""
    if request.kind in VEHICLE_KINDS:
        vehicle = request.vehicle or {}
        for key in VEHICLE_REQUIRED:
            if not str(vehicle.get(key) or "").strip():
                raise FapiaoError("vehicle_data_missing", field=key)


def check_shape(request, max_lines):
    """What every platform refuses for its shape: more lines than it takes, a text outside
    GBK (the bureau's character set)."""
    if len(request.lines) > max_lines:
        raise FapiaoError("too_many_lines", count=len(request.lines), limit=max_lines)
    for field_name, text in texts(request):
        try:
            text.encode("gbk")
        except UnicodeEncodeError as err:
            raise FapiaoError(
                "text_not_gbk", field=field_name, value=err.object[err.start]
            ) from err


# ------------------------------------------------------------------ dialects
_DIALECTS = {}


def register(name, label):
    """Class decorator: the client class of dialect ``name`` (``label`` shown to users)."""

    def decorate(cls):
        cls.dialect = name
        _DIALECTS[name] = (label, cls)
        return cls

    return decorate


def dialect_choices():
    _load_dialects()
    return [(name, label) for name, (label, _cls) in sorted(_DIALECTS.items())]


def client_class(name):
    _load_dialects()
    try:
        return _DIALECTS[name][1]
    except KeyError:
        raise ValueError(f"no tax-platform dialect {name!r}") from None


# the adapter modules of fapiao_core, each registering its client on import
DIALECT_MODULES = ("nuonuo", "baiwang")
DEFAULT_DIALECT = "nuonuo"


def _load_dialects():
    for name in DIALECT_MODULES:
        importlib.import_module(f"{__package__}.{name}")
