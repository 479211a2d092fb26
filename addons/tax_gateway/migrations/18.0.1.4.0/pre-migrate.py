def migrate(cr, version):
    """The error catalogue follows the add-on from now on (its codes and classes live in
    fapiao_core.errors): its entries, loaded as "no update" before, are updated with it."""
    if not version:
        return
    cr.execute(
        "UPDATE ir_model_data SET noupdate = false"
        " WHERE module = 'tax_gateway' AND model = 'tax.gateway.error'"
    )
