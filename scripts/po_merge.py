"""Merge a fresh export into an existing zh_CN.po: keep translations, add new terms, drop gone ones.

A new term that Odoo itself already translates (same msgid in the zh_CN.po of base, mail,
account, product, sale, stock, purchase) takes Odoo's wording, so generic labels read exactly as in
the rest of the client. Prints the terms that still need a translation.
Usage: po_merge.py EXPORTED.pot TARGET.po [ODOO_ADDONS_DIR]
"""

import pathlib
import sys

import polib

CORE = ("base", "web", "mail", "account", "product", "sale", "stock", "purchase", "uom")


def odoo_terms(addons_dir):
    terms = {}
    for module in CORE:
        po = pathlib.Path(addons_dir) / module / "i18n" / "zh_CN.po"
        if po.exists():
            for entry in polib.pofile(str(po)):
                if entry.msgstr and not entry.obsolete:
                    terms.setdefault(entry.msgid, entry.msgstr)
    return terms


def main(exported, target, addons_dir=None):
    fresh = polib.pofile(exported)
    try:
        old = {e.msgid: e.msgstr for e in polib.pofile(target) if e.msgstr}
    except OSError:
        old = {}
    core = odoo_terms(addons_dir) if addons_dir else {}
    for entry in fresh:
        entry.msgstr = old.get(entry.msgid) or core.get(entry.msgid) or entry.msgstr
    fresh.metadata["Language"] = "zh_CN"
    fresh.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    fresh.save(target)
    missing = [e.msgid for e in fresh if not e.msgstr]
    print(f"{target}: {len(fresh)} terms, {len(missing)} untranslated")
    for msgid in missing:
        print(f"  - {msgid!r}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
