-- A database copy (odoo neutralize, Odoo's database manager "neutralize") never talks to the
-- production tax platform: its credentials, tokens, client certificates and URLs are cleared,
-- and every provider is put back on the bundled test platform (no secret of its own: the sandbox's).
UPDATE tax_gateway_provider
   SET environment = 'test',
       base_url = 'https://127.0.0.1:8443',
       token_url = NULL,
       ca_bundle = NULL,
       document_cert_path = NULL,
       client_cert_path = NULL,
       client_key_path = NULL,
       client_key_password_enc = NULL,
       app_key = 'sandbox-app-key',
       app_secret_enc = NULL,
       api_username = NULL,
       api_password_enc = NULL,
       api_salt = NULL,
       access_token_enc = NULL,
       token_expires = NULL,
       use_callback = FALSE,
       callback_allowed_ips = NULL;
