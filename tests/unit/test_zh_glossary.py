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
