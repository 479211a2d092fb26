"""The add-ons' zh_CN catalogues never render a term with a word the fapiao glossary forbids
(an address's 省/州 for a status, a desk's 抽屉 for the drawer, Odoo's 发票 for the fapiao)."""

import json
import pathlib

import polib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NEVER = {
    msgid: words
    for msgid, words in json.loads(
        (pathlib.Path(__file__).with_name("zh_glossary_never.json")).read_text()
    ).items()
    if not msgid.startswith("_")
}
# words no msgstr of ours contains at all (the platform is 开票服务平台, never 税务平台)
ANYWHERE = json.loads((pathlib.Path(__file__).with_name("zh_glossary_never.json")).read_text())[
    "_anywhere"
]
CATALOGUES = sorted(ROOT.glob("addons/*/i18n/zh_CN.po"))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_no_forbidden_rendering(po):
    bad = [
        f"{entry.msgid!r} -> {entry.msgstr!r}"
        for entry in polib.pofile(str(po))
        if not entry.obsolete and entry.msgstr.strip() in NEVER.get(entry.msgid, ())
    ]
    assert not bad, f"{po}: glossary 'never' renderings: {bad}"


def test_catalogues_found():
    assert len(CATALOGUES) == 4


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_no_forbidden_word_anywhere(po):
    bad = [
        f"{entry.msgid!r} -> {entry.msgstr!r}"
        for entry in polib.pofile(str(po))
        if not entry.obsolete and any(word in entry.msgstr for word in ANYWHERE)
    ]
    assert not bad, f"{po}: words the glossary forbids: {bad}"


GUIDES = sorted(ROOT.glob("addons/*/static/guide/*.html"))
# Odoo's own words on the way to our menus and buttons (its zh_CN catalogue)
ODOO_WORDS = {"会计", "配置", "设置", "动作", "发送并打印", "我的资料", "账户安全", "退款通知"}


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_the_zh_guides_use_the_glossary_and_the_real_menu_names(guide):
    """A guide names the menus and buttons as the zh_CN client shows them: every step of a
    path it prints is one of our translations (or one of Odoo's own words)."""
    import re

    text = guide.read_text(encoding="utf-8")
    assert not [word for word in ANYWHERE if word in text]
    ours = {
        entry.msgstr
        for po in CATALOGUES
        for entry in polib.pofile(str(po))
        if entry.msgstr and not entry.obsolete
    }
    steps = {
        step.strip()
        for path in re.findall(r'<span class="menu">(.*?)</span>', text)
        for step in path.split("›")
    }
    assert steps and steps <= ours | ODOO_WORDS, steps - ours - ODOO_WORDS


COMPOUNDS = json.loads((pathlib.Path(__file__).with_name("zh_glossary_never.json")).read_text())[
    "_fapiao_compounds"
]


def bare_fapiao(msgstr):
    """The places where msgstr says 发票 on its own (not 蓝字发票, 发票号码 ...)."""
    import re

    return [
        match.start()
        for match in re.finditer("发票", msgstr)
        if not any(msgstr[: match.start()].endswith(word) for word in COMPOUNDS["before"])
        and not any(msgstr[match.end() :].startswith(word) for word in COMPOUNDS["after"])
    ]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_fapiao_is_never_called_an_invoice(po):
    """Where our English says fapiao and never invoice or bill, the zh_CN says 数电票: a bare
    发票 there is Odoo's invoice (发票 / 发票 / 发票 is what a user saw)."""
    import re

    bad = [
        f"{entry.msgid!r} -> {entry.msgstr!r}"
        for entry in polib.pofile(str(po))
        if not entry.obsolete
        and re.search(r"fapiao", entry.msgid, re.I)
        and not re.search(r"invoic|bill", entry.msgid, re.I)
        and bare_fapiao(entry.msgstr)
    ]
    assert not bad, f"{po}: the fapiao rendered as Odoo's 发票: {bad}"


def test_bare_fapiao_knows_the_printed_compounds():
    assert bare_fapiao("红字发票与发票号码") == []
    assert bare_fapiao("开具发票") == [2]
