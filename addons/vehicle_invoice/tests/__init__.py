from . import test_i18n
from . import test_vin
from . import test_vehicle_invoicing
from . import test_risk
from . import test_vehicle_report
from . import test_dealer_demo
from . import test_rpc_integrity
