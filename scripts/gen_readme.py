"""Generate each add-on's README.rst from its readme/*.md fragments (OCA layout).

OCA's oca-gen-addon-readme does this from maintainer-tools, which is not on PyPI; this is the
same idea in a few lines: the fragments are the source, README.rst is generated, never edited.
Usage: gen_readme.py ADDON_DIR...   (exit 1 when a file changed, as pre-commit expects)
"""

import ast
import pathlib
import sys

SECTIONS = [
    ("DESCRIPTION", None),
    ("CONTEXT", "Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("DEVELOP", "Development"),
    ("CONTRIBUTORS", "Contributors"),
    ("CREDITS", "Credits"),
    ("HISTORY", "Changelog"),
]


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))
    title = manifest["name"]
    out = [
        ".. Generated from readme/*.md by scripts/gen_readme.py: do not edit.",
        "",
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        f"*{manifest.get('summary', '')}*",
        "",
        f"| Version: {manifest['version']} | License: {manifest['license']} "
        f"| Status: {manifest.get('development_status', 'Beta')}",
        "",
    ]
    for fragment, heading in SECTIONS:
        path = addon / "readme" / f"{fragment}.md"
        if not path.exists():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [path.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(out) + "\n"


def main(paths):
    changed = False
    for path in paths:
        addon = pathlib.Path(path)
        target = addon / "README.rst"
        text = render(addon)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed = True
            print(f"regenerated {target}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
