from . import test_i18n
from . import test_tax_classification
from . import test_fapiao
from . import test_tours
from . import test_connector
from . import test_personal_data
from . import test_audit
