#!/usr/bin/env python3
"""The Odoo container's entry point (docker/Dockerfile): the first start makes what no image
may carry, every start writes the configuration, then Odoo runs.

1. The personal-data key: generated into its own volume (``FAPIAO_KEY_FILE``) when absent,
   never in the image, the database or its backups.
2. The configuration: the image's odoo.conf with the database connection (``HOST``, ``PORT``,
   ``USER``, ``PASSWORD``, as Odoo's official image reads them), the key file, the sandbox's
   address, CA and signing key when set (``FAPIAO_SANDBOX_URL``, ``FAPIAO_SANDBOX_CA``,
   ``FAPIAO_SANDBOX_SIGNING_KEY``) and the metrics token (``FAPIAO_METRICS_TOKEN``).
3. The database (``FAPIAO_DB``, default ``fapiao``): created with the add-ons (``FAPIAO_ADDONS``)
   and zh_CN on the first start; with the demo data when ``FAPIAO_DEMO=1``.
4. ``exec odoo`` on that database.
"""

import base64
import configparser
import os
import secrets
import subprocess
import sys
import time

IMAGE_CONF = "/etc/odoo/odoo.conf"
RUNTIME_CONF = "/var/lib/odoo/odoo-runtime.conf"
DEFAULT_ADDONS = "tax_gateway,tax_gateway_sale,fruit_invoice,vehicle_invoice"
# odoo.conf option <- environment variable
OPTIONAL = {
    "fapiao_sandbox_url": "FAPIAO_SANDBOX_URL",
    "fapiao_sandbox_ca": "FAPIAO_SANDBOX_CA",
    "fapiao_sandbox_signing_key": "FAPIAO_SANDBOX_SIGNING_KEY",
    "fapiao_metrics_token": "FAPIAO_METRICS_TOKEN",
}


def ensure_key(path):
    """A keyring line ``<id>:<base64 of 32 random bytes>`` in ``path`` (mode 600), made once."""
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return False
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    line = f"k{secrets.token_hex(3)}:{base64.b64encode(secrets.token_bytes(32)).decode()}\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(line)
    return True


def runtime_conf(template_text, env, key_file):
    """The configuration text: ``template_text`` with the connection, the key and the
    optional options of ``env``."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(template_text)
    options = parser["options"]
    options["db_host"] = env.get("HOST", options.get("db_host", "db"))
    options["db_port"] = env.get("PORT", options.get("db_port", "5432"))
    options["db_user"] = env.get("USER", options.get("db_user", "odoo"))
    options["db_password"] = env.get("PASSWORD", options.get("db_password", "odoo"))
    database = env.get("FAPIAO_DB", "fapiao")
    options["db_name"] = database
    options["dbfilter"] = f"^{database}$"
    options["fapiao_key_file"] = key_file
    for option, variable in OPTIONAL.items():
        if env.get(variable):
            options[option] = env[variable]
    lines = []
    for section in parser.sections():
        lines.append(f"[{section}]")
        lines.extend(f"{name} = {value}" for name, value in parser[section].items())
        lines.append("")
    return "\n".join(lines)


def installed(env):
    """True when the database exists and tax_gateway is installed in it."""
    import psycopg2  # in the Odoo image

    try:
        connection = psycopg2.connect(
            host=env.get("HOST", "db"),
            port=env.get("PORT", "5432"),
            user=env.get("USER", "odoo"),
            password=env.get("PASSWORD", "odoo"),
            dbname=env.get("FAPIAO_DB", "fapiao"),
        )
    except psycopg2.OperationalError as err:
        if "does not exist" in str(err):
            return False
        raise
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                "SELECT 1 FROM ir_module_module WHERE name = 'tax_gateway' AND state = 'installed'"
            )
            return cursor.fetchone() is not None
    finally:
        connection.close()


def wait_for_database(env, seconds=60):
    import psycopg2

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg2.connect(
                host=env.get("HOST", "db"),
                port=env.get("PORT", "5432"),
                user=env.get("USER", "odoo"),
                password=env.get("PASSWORD", "odoo"),
                dbname="postgres",
            ).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main(argv):
    env = os.environ
    key_file = env.get("FAPIAO_KEY_FILE", "/var/lib/fapiao-keys/fapiao.key")
    if ensure_key(key_file):
        print(f"fapiao: a new personal-data key in {key_file}: back it up apart", flush=True)
    with open(IMAGE_CONF, encoding="utf-8") as handle:
        text = runtime_conf(handle.read(), env, key_file)
    descriptor = os.open(RUNTIME_CONF, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    wait_for_database(env)
    database = env.get("FAPIAO_DB", "fapiao")
    if not installed(env):
        print(f"fapiao: first start, creating database {database}", flush=True)
        command = [
            "odoo",
            "-c",
            RUNTIME_CONF,
            "-d",
            database,
            "-i",
            env.get("FAPIAO_ADDONS", DEFAULT_ADDONS),
            "--load-language=zh_CN",
            "--stop-after-init",
        ]
        if env.get("FAPIAO_DEMO") != "1":
            command.append("--without-demo=all")
        subprocess.run(command, check=True)
    os.execvp("odoo", ["odoo", "-c", RUNTIME_CONF, "-d", database, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
