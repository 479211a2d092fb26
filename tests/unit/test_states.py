"""The state machine's groups are named once (fapiao_core.states): no add-on types a list of
states of its own, in Python or in a view. Without Odoo: the add-ons' sources are read."""

import ast
import pathlib
import re

from fapiao_core import states

ADDONS = pathlib.Path(__file__).resolve().parents[2] / "addons"
GROUPS = {
    name: frozenset(value)
    for name, value in vars(states).items()
    if name.isupper() and isinstance(value, tuple)
}
# every state name of the fapiao and the red form
VOCABULARY = frozenset().union(*GROUPS.values()) | {"waiting_login", "to_issue", "voided"}


def _sources(pattern):
    return [
        path
        for path in ADDONS.rglob(pattern)
        if "tests" not in path.parts and "sandbox" not in path.parts and "i18n" not in path.parts
    ]


def test_the_groups_are_what_the_state_machine_says():
    assert set(states.IN_FLIGHT) == set(states.QUEUED) | {"issuing"}
    assert set(states.LOCKED) == set(states.ISSUED) | {"issuing"}
    assert set(states.REVERSIBLE) < set(states.ISSUED)
    assert set(states.FORM_LIVE) == set(states.FORM_IN_FLIGHT) | {"issued"}
    assert not set(states.EDITABLE) & set(states.LOCKED)


def test_python_names_its_groups():
    """A tuple of two or more state names typed in an add-on is a group nobody named."""
    typed = []
    for path in _sources("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Tuple) or len(node.elts) < 2:
                continue
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(values) == len(node.elts) and set(values) <= VOCABULARY:
                typed.append(f"{path.relative_to(ADDONS)}:{node.lineno} {tuple(values)}")
    assert not typed, typed


def test_views_use_the_named_groups():
    """A view's state list (a domain or a modifier) is one of the named groups; the editable
    ones are read from ``is_editable``."""
    unnamed = []
    for path in _sources("*.xml"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\bstate\"?,?\s*(?:not )?in\"?,?\s*[\(\[]([^\)\]]*)[\)\]]", text):
            values = frozenset(re.findall(r"'([a-z_0-9]+)'", match.group(1)))
            if values <= VOCABULARY and values not in GROUPS.values():
                unnamed.append(f"{path.relative_to(ADDONS)}: {sorted(values)}")
            if values == GROUPS["EDITABLE"]:
                unnamed.append(f"{path.relative_to(ADDONS)}: use is_editable")
    assert not unnamed, unnamed
