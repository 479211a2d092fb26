from . import partial_invoice
