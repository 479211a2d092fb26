from . import table_import
from . import tax_classification_import
from . import tax_gateway_reconcile
from . import tax_buyer_import
from . import tax_gateway_drawer_login
