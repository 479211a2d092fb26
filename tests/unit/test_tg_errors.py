"""The error-policy table (fapiao_core.errors): one class per code and dialect, read by the
client, the breaker, the jobs and the UI. Without Odoo."""

import pytest
from fapiao_core import errors
from fapiao_core.baiwang import BaiwangClient
from fapiao_core.client import Config
from fapiao_core.nuonuo import NuonuoClient


@pytest.mark.parametrize(
    ("dialect", "code"),
    [(None, "TIMEOUT"), (None, "NETWORK"), (None, "TLS"), (None, "BAD_RESPONSE")]
    + [("nuonuo", "HTTP_503"), ("baiwang", "HTTP_500"), ("nuonuo", "E9999")],
)
def test_what_counts_as_the_platform_failing(dialect, code):
    assert errors.call_outcome(dialect, code, 0) == (False, True)


def test_outcome_of_a_logged_call_by_dialect():
    assert errors.call_outcome("nuonuo", "E0000", 200) == (True, False)
    assert errors.call_outcome("nuonuo", "E9106", 200) == (True, False)  # adopted
    assert errors.call_outcome("nuonuo", "", 200) == (True, False)  # a document download
    assert errors.call_outcome("nuonuo", "E9307", 200) == (False, False)  # refused: it works
    assert errors.call_outcome("nuonuo", "", 404) == (False, False)
    assert errors.call_outcome("nuonuo", "", 502) == (False, True)
    assert errors.call_outcome("nuonuo", "070308", 200) == (False, False)  # a cap, not a failure
    # Baiwang's success carries no code: it is logged as OK, and is a success
    assert errors.call_outcome("baiwang", "OK", 200) == (True, False)
    assert errors.call_outcome("nuonuo", "OK", 200) == (False, False)  # not Nuonuo's word
    assert errors.call_outcome("baiwang", "70170", 200) == (False, False)


def test_the_same_code_means_what_its_dialect_says():
    """Codes are keyed by dialect: Nuonuo's 24 (a failed seal) is nothing to Baiwang."""
    assert errors.action("nuonuo", "24") == errors.REISSUE
    assert errors.action("baiwang", "24") == errors.REFUSE
    assert errors.action("nuonuo", "070101") == errors.TOKEN
    assert errors.action("baiwang", "070101") == errors.REFUSE
    assert errors.action("baiwang", "100002") == errors.TOKEN
    assert errors.action("nuonuo", "22") == errors.NEW_KEY
    # the connector's own codes hold for every dialect
    assert errors.action("baiwang", "TIMEOUT") == errors.action("nuonuo", "TIMEOUT")
    assert errors.action("nuonuo", "never-heard-of") == errors.REFUSE


def test_transient_is_what_the_table_says():
    assert errors.is_transient("nuonuo", "E9999")
    assert errors.is_transient("nuonuo", "070307")
    assert errors.is_transient("baiwang", "070308")
    assert not errors.is_transient("nuonuo", "24")  # the platform keeps it: not retried alone
    assert not errors.is_transient("nuonuo", "E9160")


@pytest.mark.parametrize("client_class", [NuonuoClient, BaiwangClient])
def test_the_clients_read_the_table(client_class):
    """A client's refusal is transient exactly when the table says so."""
    client = client_class(Config("https://example.invalid", "k", "s", "91310000MA1FL8TQ3T"))
    for (dialect, code), found in _table_items():
        if dialect not in (client.dialect, errors.ANY):
            continue
        refused = client._refused(code, "")
        assert refused.transient == (found.action in errors.TRANSIENT), code
        assert refused.dialect == client.dialect  # read back in the dialect's own words


def test_every_class_is_known_and_every_dialect_is_registered():
    from fapiao_core import platform

    dialects = {name for name, _label in platform.dialect_choices()}
    assert set(errors.TABLE) == dialects | {errors.ANY}
    assert {found.action for _key, found in _table_items()} <= set(errors.CLASSES)


def _table_items():
    return [
        ((dialect, code), found)
        for dialect, table in errors.TABLE.items()
        for code, found in table.items()
    ]
