from fapiao_core import errors, platform

from odoo import api, fields, models

# what the connector does about a code of each class (fapiao_core.errors), as the catalogue
# shows it: each label says what really happens
POLICIES = [
    (errors.OK, "Success"),
    (errors.ADOPT, "Already submitted: the platform's fapiao is adopted"),
    (errors.RETRY, "Retried automatically: nothing to do"),
    (errors.UNKNOWN, "Outcome unknown: the platform is asked first, then it is retried"),
    (errors.REFUSE, "Refused: mend the cause, then issue again"),
    (errors.NEW_KEY, "Content refused: the corrected fapiao goes under a new business key"),
    (errors.REISSUE, "Kept by the platform: issue it again unchanged"),
    (errors.HOLD, "Waits for the drawer's login, then goes out by itself"),
    (errors.REVIEW, "Held for review: nothing is sent again"),
    (errors.TOKEN, "A new access token is fetched once"),
]


class TaxGatewayError(models.Model):
    """Error-code catalogue: what a platform's code means, in the user's language, and what to
    do. What the connector does about it is not data: it is the code's class in the error
    table (fapiao_core.errors), shown here as ``policy``."""

    _name = "tax.gateway.error"
    _description = "Tax Platform Error Code"
    _order = "dialect, code"

    dialect = fields.Selection(
        selection="_dialect_selection",
        string="Platform",
        required=True,
        default=errors.ANY,
        help="The platform whose code this is; Every Platform for the connector's own codes.",
    )
    code = fields.Char(required=True, index=True)
    name = fields.Char(string="Meaning", required=True, translate=True)
    action = fields.Char(string="What to Do", translate=True)
    policy = fields.Selection(
        POLICIES,
        string="What Happens",
        compute="_compute_policy",
        help="What the connector does when the platform answers this code.",
    )

    _sql_constraints = [
        ("code_unique", "unique(dialect, code)", "An error code is listed once per platform.")
    ]

    @api.model
    def _dialect_selection(self):
        return [(errors.ANY, self.env._("Every Platform")), *platform.dialect_choices()]

    @api.depends("dialect", "code")
    def _compute_policy(self):
        for entry in self:
            entry.policy = errors.action(entry.dialect, entry.code)

    @api.model
    def _entry(self, code, dialect=None):
        """The catalogue's entry of ``code``: the dialect's own, else the connector's, else
        any platform's."""
        entries = self.search([("code", "=", code)])
        for wanted in (dialect, errors.ANY):
            found = entries.filtered(lambda e, wanted=wanted: e.dialect == wanted)
            if found:
                return found[0]
        return entries[:1]

    @api.model
    def _describe(self, code, detail="", dialect=None):
        entry = self._entry(code, dialect)
        if not entry:
            return f"[{code}] {detail}".strip()
        text = f"[{code}] {entry.name}"
        if detail and detail != entry.name:
            text += f" ({detail})"
        if entry.action:
            text += f" — {entry.action}"
        return text
