"""The Nuonuo open-platform dialect: request signing shared by the client and the sandbox.

Signature (brief §8.1, [C]): Base64(HMAC-SHA1(appSecret,
"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}")) over the exact
body bytes that are sent.
"""

import base64
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from urllib.parse import parse_qs

from . import FapiaoError

SERVICES_PATH = "/open/v1/services"
TOKEN_PATH = "/accessToken"


@dataclass(frozen=True)
class Endpoints:
    """Where one environment of the platform is: services and tokens are on different hosts."""

    base_url: str  # the services host; calls go to base_url + SERVICES_PATH
    token_url: str
    document_hosts: tuple = ()


# Nuonuo's published addresses: services per environment (the platform's 请求地址 table,
# "正式环境 https://sdk.nuonuo.com/open/v1/services / 沙箱环境 https://sandbox.nuonuocs.cn/...")
# and one token host for both ("https://open.nuonuo.com/accessToken", 自用型应用创建; also the
# independent clients axolo/node-nuonuo and pypi nuonuo-sdk). Document hosts: the sandbox
# answers with invtest.nntest.cn (arion/node-nuonuo); production's are [U] (ROADMAP).
PRESETS = {
    "production": Endpoints(
        "https://sdk.nuonuo.com",
        "https://open.nuonuo.com/accessToken",
        (".nuonuo.com", ".jss.com.cn"),
    ),
    "sandbox": Endpoints(
        "https://sandbox.nuonuocs.cn",
        "https://open.nuonuo.com/accessToken",
        (".nuonuocs.cn", ".nntest.cn"),
    ),
}


def endpoints(environment, base_url=None, token_url=None):
    """The endpoints of ``environment`` (a PRESETS key), or of the URL given as an override
    (a proxy, or the bundled test platform, which serves tokens itself unless told where)."""
    preset = PRESETS.get(environment)
    if base_url:
        base_url = base_url.rstrip("/")
        return Endpoints(
            base_url,
            token_url or (preset.token_url if preset else base_url + TOKEN_PATH),
            preset.document_hosts if preset else (),
        )
    if preset is None:
        raise ValueError(f"no address is known for environment {environment!r}: set one")
    return Endpoints(preset.base_url, token_url or preset.token_url, preset.document_hosts)


def sign(app_secret, appkey, senid, nonce, timestamp, body):
    """``body`` is the exact request body (str or UTF-8 bytes). Returns the X-Nuonuo-Sign value."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    message = f"a=services&l=v1&p=open&k={appkey}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    digest = hmac.new(app_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(app_secret, appkey, senid, nonce, timestamp, body, signature):
    expected = sign(app_secret, appkey, senid, nonce, timestamp, body)
    return hmac.compare_digest(expected, signature or "")


def new_senid():
    """32 random characters identifying one transport attempt (not the business key)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def new_nonce():
    """An 8-digit positive integer."""
    return str(secrets.randbelow(90_000_000) + 10_000_000)


# The platform's result push (回传开票结果对接文档 v1.0.8): an HTTP POST of a FORM with
# ``operater=callback``, ``orderno`` (the business key sent) and ``content`` (a JSON text:
# the invoice's data, and ``c_status`` 1 完成 / 2 失败 / 3 签章失败 when the company asked for
# failures too). No signature scheme is published: only the business key is read, as a hint.
CALLBACK_OPERATER = "callback"


def callback_order_no(content_type, form):
    """The business key a result push names, or "" when it is not one. ``form``: the posted
    form's fields, name -> (first) value."""
    if "application/x-www-form-urlencoded" not in (content_type or "").lower():
        return ""
    if str(form.get("operater") or "") != CALLBACK_OPERATER:
        return ""
    order_no = str(form.get("orderno") or "").strip()
    return order_no if 0 < len(order_no) <= 20 and order_no.isascii() else ""


def parse_form(body):
    """name -> first value of a form body (bytes); {} when it is not one."""
    try:
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), max_num_fields=20).items()}
    except (UnicodeDecodeError, ValueError):
        return {}


# vehicleInfo of a 机动车销售统一发票 (requestBillingNew's order; field list and lengths of the
# request documentation, as the independent clients wwbgo/NuoNuoSdk and
# chuningfan/project-management carry them): neutral key -> (Nuonuo key, required, max length)
VEHICLE_FIELDS = {
    "vehicle_type": ("vehicleType", True, 40),  # 车辆类型; also the single line's goodsName
    "brand_model": ("brandModel", True, 60),  # 厂牌型号
    "origin": ("productOrigin", True, 32),  # 产地
    "vin": ("vehicleCode", True, 23),  # 车辆识别代号/车架号
    "certificate": ("certificate", False, 50),  # 合格证号
    "import_certificate": ("importCerNum", False, 36),  # 进口证明书号
    "inspection_number": ("insOddNum", False, 32),  # 商检单号
    "engine_number": ("engineNum", False, 50),  # 发动机号码
    "tonnage": ("tonnage", False, 8),  # 吨位
    "seats": ("maxCapacity", False, 12),  # 限乘人数
    "manufacturer": ("manufacturerName", False, 80),  # 生产厂家
}


def vehicle_info(vehicle):
    """Nuonuo's ``vehicleInfo`` for the neutral ``vehicle`` (VEHICLE_FIELDS' keys); refuses,
    before anything is sent, a vehicle without what the platform requires or with a value
    longer than it takes."""
    if not vehicle:
        raise FapiaoError("vehicle_data_missing", field="vin")
    info = {}
    for key, (name, required, size) in VEHICLE_FIELDS.items():
        value = str(vehicle.get(key) or "").strip()
        if required and not value:
            raise FapiaoError("vehicle_data_missing", field=key)
        if len(value) > size:
            raise FapiaoError("vehicle_data_too_long", field=key, size=size)
        if value:
            info[name] = value
    return info
