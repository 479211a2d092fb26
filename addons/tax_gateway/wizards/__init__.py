from . import tax_classification_import
from . import tax_gateway_reconcile
