from odoo import api, fields, models


class TaxGatewayError(models.Model):
    """Error-code catalogue: what a platform code means and what the user should do."""

    _name = "tax.gateway.error"
    _description = "Tax Platform Error Code"
    _order = "code"

    code = fields.Char(required=True, index=True)
    name = fields.Char(string="Meaning", required=True, translate=True)
    action = fields.Char(string="What to Do", translate=True)
    retryable = fields.Boolean(help="Retried automatically with backoff.")
    new_business_key = fields.Boolean(
        help="The platform refused the content: a corrected fapiao is sent under a new key."
    )

    _sql_constraints = [("code_unique", "unique(code)", "An error code is listed once.")]

    @api.model
    def _describe(self, code, detail=""):
        entry = self.search([("code", "=", code)], limit=1)
        if not entry:
            return f"[{code}] {detail}".strip()
        text = f"[{code}] {entry.name}"
        if detail and detail != entry.name:
            text += f" ({detail})"
        if entry.action:
            text += f" — {entry.action}"
        return text
