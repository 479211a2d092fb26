from . import test_i18n
from . import test_splitting
from . import test_returns
from . import test_auto_fapiao
from . import test_farm_purchase
from . import test_wholesaler_demo
from . import test_on_request
from . import test_concurrent_invoicing
