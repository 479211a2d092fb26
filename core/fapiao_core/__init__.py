"""Plain-Python services of tax_gateway. Nothing in this package imports Odoo.

Errors are raised as :class:`FapiaoError` with a stable ``code`` and parameters; the Odoo layer
turns the code into a translated message (``models/tg_messages.py``), so the rules live here once
and the wording lives in one translated catalogue.
"""


class FapiaoError(ValueError):
    def __init__(self, code, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")
