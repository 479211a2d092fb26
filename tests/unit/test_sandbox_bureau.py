"""The sandbox applies the bureau's rules with code of its own (sandbox/bureau.py): here the two
implementations are held against each other and against published examples, so that a mistake
on one side shows instead of being agreed with."""

import ast
import pathlib
import random
from decimal import Decimal

import pytest
from fapiao_core import money, validators
from sandbox import bureau

SANDBOX = pathlib.Path(bureau.__file__).parent


def test_the_sandbox_imports_nothing_of_the_connector():
    for source in SANDBOX.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "fapiao_core" for name in names), source.name


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("1.00", "壹元整"),
        ("10.20", "壹拾元贰角"),
        ("100.03", "壹佰元零叁分"),
        ("1010.00", "壹仟零壹拾元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100000.00", "壹拾万元整"),
        ("100010.00", "壹拾万零壹拾元整"),
        ("10000000.00", "壹仟万元整"),
        ("100000010.00", "壹亿零壹拾元整"),
        ("-109.00", "（负数）壹佰零玖元整"),
    ],
)
def test_amount_in_capitals(value, words):
    assert bureau.amount_in_capitals(Decimal(value)) == words


def test_both_sides_write_the_same_capitals():
    rng = random.Random(20261206)
    values = [Decimal(rng.randrange(0, 10**12)) / 100 for _ in range(3000)]
    values += [Decimal(10**k) for k in range(12)] + [Decimal(10**k + 1) for k in range(12)]
    for value in values:
        assert bureau.amount_in_capitals(value) == money.amount_in_words(value), value


def test_both_sides_check_tax_ids_alike():
    rng = random.Random(7)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(2000):
        first17 = "91" + "".join(rng.choice("0123456789") for _ in range(6))
        first17 += "".join(rng.choice(alphabet) for _ in range(9))
        good = first17 + validators.uscc_check_char(first17)
        assert bureau.tax_id_valid(good)
        wrong = first17 + alphabet[(alphabet.index(good[-1]) + 1) % 31]
        assert not bureau.tax_id_valid(wrong)
    for number, valid in (
        ("11010519491231002X", True),
        ("110105194912310021", False),
        ("110105194913310027", False),  # no 13th month
    ):
        assert bureau.tax_id_valid(number, natural_person=True) is valid
        try:
            validators.validate_tax_id(number, natural_person=True)
            agreed = True
        except Exception:  # noqa: BLE001 - FapiaoError; the verdicts are compared
            agreed = False
        assert agreed is valid


def test_gbk():
    assert bureau.gbk_safe("上海果品贸易有限公司 (No.1)")
    assert not bureau.gbk_safe("苹果🍎")


def test_the_sandbox_image_installs_what_the_sandbox_imports():
    """docker/Dockerfile.sandbox: every library the sandbox's process imports is installed,
    and nothing of the connector is copied in."""
    import re
    import sys

    dockerfile = (SANDBOX.parents[2] / "docker" / "Dockerfile.sandbox").read_text()
    installed = set(re.findall(r"([A-Za-z0-9_.-]+)==", dockerfile))
    siblings = {path.stem for path in SANDBOX.glob("*.py")}
    needed = set()
    for source in SANDBOX.glob("*.py"):
        if source.stem == "testing":  # the tests' helper, not part of the server
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                needed |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                needed.add((node.module or "").split(".")[0])
    third_party = needed - siblings - set(sys.stdlib_module_names)
    assert third_party and third_party <= installed, third_party - installed
    assert "fapiao_core" not in dockerfile
