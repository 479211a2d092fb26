"""Pure-Python tests: the add-ons' plain core (`fapiao_core`) and the sandbox, without Odoo.

`fapiao_core` is imported as the add-ons import it (scripts/setup.sh installs `core/` into the
virtualenv; `core/` goes on sys.path too, for a bare interpreter). The sandbox is imported the way
its own process imports it: its folder's parent on sys.path, its modules as top-level siblings.
"""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "core"))
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))
# the sandbox's modules import each other as top-level modules, as in its own process
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway" / "sandbox"))

from sandbox.testing import SandboxProcess  # noqa: E402


@pytest.fixture
def sandbox(tmp_path):
    """The sandbox as the platform is: no /health, tokens on their own host (localhost)."""
    proc = SandboxProcess(tmp_path / "sandbox", platform_like=True).start()
    yield proc
    proc.stop()


@pytest.fixture
def sandbox_with_health(tmp_path):
    """The sandbox with its conveniences (/health, one host), as the demo and Docker run it."""
    proc = SandboxProcess(tmp_path / "sandbox").start()
    yield proc
    proc.stop()
