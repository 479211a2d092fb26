"""Pure-Python tests: the add-ons' plain services (tg_core, ...) and the sandbox, without Odoo.

The add-on folders go on sys.path so that `tg_core` and `sandbox` import as top-level packages,
the way the sandbox process imports them, without importing Odoo.
"""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
for addon in ("tax_gateway", "fruit_invoice", "vehicle_invoice"):
    sys.path.insert(0, str(ROOT / "addons" / addon))
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
