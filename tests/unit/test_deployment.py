"""docker/: the compose file cannot be run on the test machines, so it is kept honest here.
The images install every library the code imports; the compose file's services, volumes and
variables fit together (what `docker compose config` checks, and more); the sandbox's
certificate covers the name Odoo calls it by; the start script makes a key the keyring takes,
a configuration Odoo reads, and creates the database only once."""

import ast
import configparser
import importlib.util
import os
import pathlib
import re
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
# import name -> the name its distribution is pinned under
DISTRIBUTIONS = {
    "yaml": "pyyaml",
    "stdnum": "python-stdnum",
    "prometheus_client": "prometheus-client",
    "fapiao_core": "fapiao-core",
    "dateutil": "python-dateutil",
    "PIL": "pillow",
    "psycopg2": "psycopg2-binary",
    "OpenSSL": "pyopenssl",
    "docx": "python-docx",
    "ldap": "python-ldap",
}


def _start():
    spec = importlib.util.spec_from_file_location("fapiao_start", DOCKER / "fapiao_start.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pinned(path):
    return {
        re.split(r"[=<>~ ;\[]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def _imports(paths):
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_the_odoo_image_installs_what_the_add_ons_import():
    """Odoo's image brings Odoo's own requirements (requirements/odoo.txt pins the same list);
    the Dockerfile installs requirements/project.txt and the add-ons' core (core/, the
    fapiao-core package); nothing else is there."""
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "requirements/project.txt" in dockerfile and "-r /tmp/project.txt" in dockerfile
    assert "COPY core/ /tmp/fapiao-core/" in dockerfile and " /tmp/fapiao-core " in dockerfile
    available = (
        _pinned(ROOT / "requirements" / "odoo.txt")
        | _pinned(ROOT / "requirements" / "project.txt")
        | {"fapiao-core"}
    )
    code = [
        path
        for path in (*(ROOT / "addons").rglob("*.py"), *(ROOT / "core").rglob("*.py"))
        if "sandbox" not in path.parts and "tests" not in path.parts
    ]
    local = {path.stem for path in code} | {path.name for path in (ROOT / "addons").iterdir()}
    local -= {"fapiao_core"}  # a package of its own, which the image must install
    third_party = _imports(code) - set(sys.stdlib_module_names) - local - {"odoo"}
    needed = {DISTRIBUTIONS.get(name, name).lower().replace("_", "-") for name in third_party}
    assert {"tongsuopy", "prometheus-client", "fapiao-core"} <= needed
    assert needed <= available, needed - available
    # and each add-on declares what it needs beyond Odoo
    for manifest in (ROOT / "addons").glob("*/__manifest__.py"):
        declared = ast.literal_eval(manifest.read_text()).get("external_dependencies", {})
        for name in declared.get("python", []):
            pinned = DISTRIBUTIONS.get(name, name).lower().replace("_", "-")
            assert pinned in available, (manifest, name)


def test_the_compose_file_fits_together():
    services = COMPOSE["services"]
    assert set(services) == {"db", "sandbox", "odoo"}
    declared = set(COMPOSE["volumes"])
    for name, service in services.items():
        if "build" in service:
            assert (DOCKER / service["build"]["context"] / service["build"]["dockerfile"]).exists()
        else:
            assert service["image"].startswith("postgres:"), name
        for dependency in service.get("depends_on", []):
            assert dependency in services
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in declared, (name, volume)
        assert "secrets" not in service  # no secret file ships with the repository
    assert "secrets" not in COMPOSE
    assert not list(DOCKER.glob("*key*.example"))
    odoo = services["odoo"]["environment"]
    db = services["db"]["environment"]
    assert (odoo["HOST"], odoo["USER"], odoo["PASSWORD"]) == (
        "db",
        db["POSTGRES_USER"],
        db["POSTGRES_PASSWORD"],
    )


def test_odoo_reaches_the_sandbox_by_a_name_its_certificate_covers():
    services = COMPOSE["services"]
    env = services["odoo"]["environment"]
    command = services["sandbox"]["command"]
    url = env["FAPIAO_SANDBOX_URL"]
    host = re.match(r"^https://([^:/]+):(\d+)$", url)
    assert host and host.group(1) in services
    assert f"--hostname={host.group(1)}" in command
    assert f"--public-url={url}" in command
    assert f"--port={host.group(2)}" in command
    # the CA and the signing key are the sandbox's files, on the volume Odoo mounts
    data = next(a.split("=", 1)[1] for a in command if a.startswith("--data="))
    sandbox_volume = next(
        v.split(":")[0] for v in services["sandbox"]["volumes"] if v.split(":")[1] == data
    )
    mount = next(
        v.split(":")[1] for v in services["odoo"]["volumes"] if v.split(":")[0] == sandbox_volume
    )
    assert env["FAPIAO_SANDBOX_CA"] == f"{mount}/ca.pem"
    assert env["FAPIAO_SANDBOX_SIGNING_KEY"] == f"{mount}/sign-sm2.pub.pem"
    # the key lives on a volume of its own, not the database's nor Odoo's filestore
    key_dir = os.path.dirname(env["FAPIAO_KEY_FILE"])
    key_volume = next(
        v.split(":")[0] for v in services["odoo"]["volumes"] if v.split(":")[1] == key_dir
    )
    assert key_volume not in ("odoo-data", "db-data")


def test_the_sandbox_certificate_names_its_service(tmp_path):
    """The sandbox started as compose starts it serves a certificate for ``sandbox`` and names
    its documents with the public URL."""
    from cryptography import x509
    from pki import ensure_pki

    paths = ensure_pki(tmp_path, ("localhost", "127.0.0.1", "sandbox"))
    cert = x509.load_pem_x509_certificate(pathlib.Path(paths["server_pem"]).read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "sandbox" in names.get_values_for_type(x509.DNSName)
    # a data folder made before, for other names, gets a new certificate; the CA stays
    ca = pathlib.Path(paths["ca_pem"]).read_bytes()
    again = ensure_pki(tmp_path, ("localhost", "127.0.0.1", "sandbox", "tax-sandbox"))
    cert = x509.load_pem_x509_certificate(pathlib.Path(again["server_pem"]).read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "tax-sandbox" in names.get_values_for_type(x509.DNSName)
    assert pathlib.Path(again["ca_pem"]).read_bytes() == ca


def test_the_sandbox_answers_by_its_public_url(tmp_path):
    import requests
    from sandbox.testing import SandboxProcess

    proc = SandboxProcess(
        tmp_path / "s", extra=["--hostname=sandbox", "--public-url=https://sandbox:8443"]
    ).start()
    try:
        answer = requests.get(f"{proc.url}/health", verify=proc.ca, timeout=10)
        assert answer.status_code == 200
        from test_platform_wire import make_client, make_order

        client = make_client(proc)
        order = make_order()
        client.issue(order)
        done = client.query(order.business_key, order)
        assert done.documents["pdf"].startswith("https://sandbox:8443/files/")
    finally:
        proc.stop()


def test_the_start_script_key_and_configuration(tmp_path):
    start = _start()
    key = tmp_path / "keys" / "fapiao.key"
    assert start.ensure_key(str(key)) is True
    first = key.read_text()
    assert start.ensure_key(str(key)) is False and key.read_text() == first  # made once
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    from fapiao_core.crypto import Keyring

    Keyring(first.splitlines())  # the keyring takes it
    text = start.runtime_conf(
        (ROOT / "config" / "odoo.conf.example").read_text(),
        {
            "HOST": "db",
            "USER": "odoo",
            "PASSWORD": "s3cret",
            "FAPIAO_DB": "fapiao",
            "FAPIAO_SANDBOX_URL": "https://sandbox:8443",
            "FAPIAO_SANDBOX_CA": "/sandbox/ca.pem",
        },
        str(key),
    )
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(text)
    options = conf["options"]
    assert options["db_password"] == "s3cret" and options["db_name"] == "fapiao"
    assert options["dbfilter"] == "^fapiao$"
    assert options["fapiao_key_file"] == str(key)
    assert options["fapiao_sandbox_url"] == "https://sandbox:8443"
    assert "fapiao_metrics_token" not in options
    assert options["server_wide_modules"] == "base,web,queue_job"
    assert conf["queue_job"]["channels"]  # the other sections are kept


@pytest.mark.skipif(
    not os.environ.get("PGHOST") and not os.path.exists("/var/run/postgresql"),
    reason="no PostgreSQL",
)
def test_the_start_script_knows_a_database_it_made(tmp_path):
    """`installed` answers False for no database and for one without the add-ons (the first
    start installs them), True once tax_gateway is installed."""
    import uuid

    import psycopg2
    from psycopg2 import sql

    start = _start()
    name = f"fapiao_start_{uuid.uuid4().hex[:8]}"
    env = {
        "FAPIAO_DB": name,
        "HOST": os.environ.get("PGHOST", "/var/run/postgresql"),
        "USER": os.environ.get("PGUSER", "root"),
        "PASSWORD": "",
    }
    assert start.installed(env) is False
    admin = psycopg2.connect(host=env["HOST"], user=env["USER"], dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        assert start.installed(env) is False
        db = psycopg2.connect(host=env["HOST"], user=env["USER"], dbname=name)
        with db:
            db.cursor().execute(
                "CREATE TABLE ir_module_module (name varchar, state varchar);"
                "INSERT INTO ir_module_module VALUES ('tax_gateway', 'installed')"
            )
        db.close()
        assert start.installed(env) is True
    finally:
        admin.cursor().execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        admin.close()
