"""Each platform's published addresses per environment, and the overrides."""

import pytest
from fapiao_core import nuonuo


def test_presets_put_tokens_and_services_on_different_hosts():
    production = nuonuo.endpoints("production")
    assert production.base_url + nuonuo.SERVICES_PATH == "https://sdk.nuonuo.com/open/v1/services"
    assert production.token_url == "https://open.nuonuo.com/accessToken"
    sandbox = nuonuo.endpoints("sandbox")
    assert sandbox.base_url == "https://sandbox.nuonuocs.cn"
    assert sandbox.token_url == production.token_url
    assert ".nntest.cn" in sandbox.document_hosts


def test_an_override_keeps_the_environment_s_token_host_unless_told():
    proxy = nuonuo.endpoints("production", "https://fapiao-proxy.example.com/")
    assert proxy.base_url == "https://fapiao-proxy.example.com"
    assert proxy.token_url == "https://open.nuonuo.com/accessToken"
    both = nuonuo.endpoints("production", "https://p.example", "https://t.example/accessToken")
    assert both.token_url == "https://t.example/accessToken"


def test_the_bundled_test_platform_serves_its_own_tokens_and_needs_its_url():
    test = nuonuo.endpoints("test", "https://127.0.0.1:8443")
    assert test.token_url == "https://127.0.0.1:8443/accessToken"
    assert test.document_hosts == ()
    with pytest.raises(ValueError):
        nuonuo.endpoints("test")


def test_baiwang_asks_its_tokens_of_the_router_it_is_sent_to():
    from fapiao_core import baiwang

    production = baiwang.endpoints("production")
    assert production.base_url == production.token_url == "https://openapi.baiwang.com"
    proxy = baiwang.endpoints("production", base_url="https://proxy.example.com/")
    assert (proxy.base_url, proxy.token_url) == ("https://proxy.example.com",) * 2
    assert proxy.document_hosts == (".baiwang.com",)  # the environment's hosts are kept
    assert baiwang.endpoints("test", base_url="https://127.0.0.1:8443").document_hosts == ()
    with pytest.raises(ValueError):
        baiwang.endpoints("test")
