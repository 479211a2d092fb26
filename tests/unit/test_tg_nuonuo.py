from tg_core import nuonuo


def test_signature_matches_published_vector():
    # Synthetic vector from the Nuonuo SDK contract (brief §8.1).
    assert (
        nuonuo.sign("secret", "app", "a" * 32, "12345678", "1700000000", '{"name":"中文"}')
        == "4BzcKzrcoqxPis0W/W3X2ae0uIo="
    )


def test_signature_covers_every_byte_of_the_body():
    args = ("secret", "app", "a" * 32, "12345678", "1700000000")
    good = nuonuo.sign(*args, '{"name":"中文"}')
    assert nuonuo.verify(*args, '{"name":"中文"}'.encode(), good)
    assert not nuonuo.verify(*args, '{"name": "中文"}', good)  # one space differs
    assert not nuonuo.verify(*args, '{"name":"中文"}', "")


def test_transport_ids():
    senid, nonce = nuonuo.new_senid(), nuonuo.new_nonce()
    assert len(senid) == 32 and senid.isalnum()
    assert len(nonce) == 8 and nonce.isdigit() and not nonce.startswith("0")
    assert nuonuo.new_senid() != senid
