-- A database copy never talks to the production tax platform.
UPDATE tax_gateway_provider SET environment = 'sandbox', access_token = NULL, token_expires = NULL;
