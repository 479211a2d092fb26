"""18.0.1.2.0: "sandbox" now means the platform's own sandbox (its published address); the
providers that were on "sandbox" before pointed at the bundled test platform by URL."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE tax_gateway_provider SET environment = 'test' WHERE environment = 'sandbox'")
