from fapiao_core.masking import is_masked_form_of, mask


def test_ids_phones_and_accounts_keep_head_tail_and_length():
    assert mask("110101199003074514") == "110***********4514"
    assert mask("13812345678") == "138****5678"
    assert mask("工商银行北京分行 6222020200112233445") == "工商银" + "*" * 21 + "3445"
    assert mask("C123456") == "C******"
    assert len(mask("310115199003071239")) == 18


def test_empty_values_stay_empty():
    assert mask(False) is False
    assert mask("") == ""
    assert mask(None) is None


def test_a_masked_value_written_back_is_recognised():
    clear = "110101199003074514"
    assert is_masked_form_of(mask(clear), clear)
    assert not is_masked_form_of(clear, clear)
    assert not is_masked_form_of("110101199003074515", clear)
    assert not is_masked_form_of("999***********4514", clear)
    assert not is_masked_form_of(False, clear)
