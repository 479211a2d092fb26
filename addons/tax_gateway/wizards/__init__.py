from . import tax_classification_import
