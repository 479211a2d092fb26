"""History benchmark: do the connector's costs stay flat over years of a busy company?

Run by `make bench` (scripts/bench.sh, or BENCH_ONLY=history) on a copy of the benchmark
database, with the virtualenv's Python, outside `odoo shell` (committed data, the sandbox as its
own process):

1. a company of its own with a platform on the sandbox; the costs measured on it young (its
   first quarter at the rate of the history below: 12,328 fapiao, 49,315 calls logged, 24,657
   audit entries):
   - opening the platform dashboard (``get_dashboard_data``, 30 days, as a manager);
   - the fapiao list as the web client opens it (its default filter, the last 90 days and
     what is not issued; ``web_search_read``: the list's columns, 80 rows, the count up to
     10,001, as a manager);
   - one run of the poll cron (``_cron_poll_issuing``, a few fapiao waiting);
   - one issuing job (prepare, submit, the job against the sandbox, its seal);
   - *Verify Chain* (incremental: the entries since the last verification);
2. the company's history written fast with COPY: years of fapiao (two lines each, an invoice
   each, their XML and PDF as small files in the filestore), request-log rows and a sealed,
   keyed audit chain, older and older at the same daily rate; at two sizes a factor of 10 apart
   (``BENCH_HISTORY_SCALE`` of ten years holding 500,000 fapiao, 2,000,000 log rows and
   1,000,000 audit entries: 0.1 and 1 by default, one year and ten; a smoke run takes 0.02);
3. the same costs at each size, each the median of ``BENCH_HISTORY_REPEAT`` (5) runs, as ratios
   to the young company's: goal ≤ 1.2 (flat in history); and the growth from one size to the
   next; *Verify Chain* incremental in seconds, and the full verification's rate.

Usage: python bench/history.py TEMPLATE_DB CONF RESULT_JSON (each size on a copy of TEMPLATE_DB,
dropped afterwards)
"""

import datetime
import hashlib
import io
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "tax_gateway"))
sys.path.insert(0, str(ROOT / "bench"))

from e2e_common import bench_company, perform_jobs  # noqa: E402
from sandbox.testing import SandboxProcess  # noqa: E402

FULL = {"fapiao": 500_000, "logs": 2_000_000, "audit": 1_000_000}
YEARS = 10  # FULL is ten years of a busy company: each size is its share of those years
YOUNG_DAYS = 90  # a quarter: the fapiao list opens on the last 90 days
# the baseline: the company's first quarter, at the same daily rate
YOUNG = {k: int(v * YOUNG_DAYS / (365 * YEARS)) for k, v in FULL.items()}
METHODS = (
    "nuonuo.OpeMplatform.requestBillingNew",
    "nuonuo.OpeMplatform.queryInvoiceResult",
    "download",
)
CODES = ("E0000",) * 97 + ("E9106", "TIMEOUT", "HTTP_503")


def copy_rows(cr, table, columns, rows):
    """COPY ``rows`` (tuples, None for NULL) into ``table``: the fast path PostgreSQL offers."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            "\t".join(
                "\\N" if value is None else str(value).replace("\\", "\\\\").replace("\t", " ")
                for value in row
            )
        )
        buffer.write("\n")
    buffer.seek(0)
    cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def next_ids(cr, table, count):
    cr.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cr.fetchall()]


class History:
    """Writes a company's history in committed batches, reproducibly (seeded)."""

    def __init__(self, env, company, provider, years=10, seed=20261206):
        self.env = env
        self.company = company
        self.provider = provider
        self.years = years
        self.random = random.Random(seed)
        self.journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        self.partner = env["res.partner"].create(
            {"name": "History 买方", "is_company": True, "vat": "91310000MA1FL0001R"}
        )
        self.numbers = 0
        # the rows being written spread over these days before today (oldest, newest): each
        # size prepends older history at the same daily rate
        self.window = (30, 0)

    def moment(self, n, total):
        """Spread evenly over the window."""
        oldest, newest = self.window
        days_ago = oldest - (oldest - newest) * n / max(total, 1)
        when = datetime.datetime.now() - datetime.timedelta(days=days_ago)
        return when.replace(hour=9 + n % 9, minute=n % 60, second=n % 59)

    def fapiao(self, count, batch=20_000):
        cr = self.env.cr
        company, currency = self.company.id, self.company.currency_id.id
        filestore = pathlib.Path(self.env["ir.attachment"]._filestore())
        xml = b"<Invoice>history</Invoice>"
        pdf = b"%PDF-1.4 history"
        stored = {}
        for body, ext in ((xml, "xml"), (pdf, "pdf")):
            checksum = hashlib.sha1(body).hexdigest()
            path = filestore / checksum[:2] / checksum
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            stored[ext] = (f"{checksum[:2]}/{checksum}", checksum, len(body))
        for first in range(0, count, batch):
            size = min(batch, count - first)
            move_ids = next_ids(cr, "account_move", size)
            fapiao_ids = next_ids(cr, "tax_fapiao", size)
            moves, fapiao, lines, attachments = [], [], [], []
            for n, (move_id, fapiao_id) in enumerate(zip(move_ids, fapiao_ids, strict=True)):
                when = self.moment(first + n, count)
                self.numbers += 1
                number = f"2531{self.numbers:016d}"
                amounts = [self.random.randint(100, 99_999) for _line in range(2)]
                untaxed = sum(amounts)
                tax = sum(round(a * 0.09) for a in amounts)
                moves.append(
                    (
                        move_id,
                        self.journal.id,
                        currency,
                        company,
                        "posted",
                        "out_invoice",
                        "no",
                        when.date(),
                        f"HIS/{when:%Y}/{self.numbers:07d}",
                        self.partner.id,
                    )
                )
                fapiao.append(
                    (
                        fapiao_id,
                        move_id,
                        company,
                        currency,
                        self.partner.id,
                        number,
                        "82",
                        "blue",
                        "issued",
                        f"H{self.numbers:019d}",
                        "History 买方",
                        "History 卖方",
                        untaxed / 100,
                        tax / 100,
                        (untaxed + tax) / 100,
                        0,
                        when,
                        when,
                        when,
                        when,
                    )
                )
                for seq, amount in enumerate(amounts):
                    lines.append(
                        (
                            fapiao_id,
                            seq,
                            company,
                            "*水果*苹果",
                            "kg",
                            1,
                            amount / 100,
                            amount / 100,
                            0.09,
                            round(amount * 0.09) / 100,
                            when,
                            when,
                        )
                    )
                for ext, (path, checksum, size_bytes) in stored.items():
                    attachments.append(
                        (
                            f"{number}.{ext}",
                            "binary",
                            "tax.fapiao",
                            fapiao_id,
                            company,
                            path,
                            checksum,
                            size_bytes,
                            when,
                            when,
                        )
                    )
            copy_rows(
                cr,
                "account_move",
                (
                    "id",
                    "journal_id",
                    "currency_id",
                    "company_id",
                    "state",
                    "move_type",
                    "auto_post",
                    "date",
                    "name",
                    "partner_id",
                ),
                moves,
            )
            copy_rows(
                cr,
                "tax_fapiao",
                (
                    "id",
                    "move_id",
                    "company_id",
                    "currency_id",
                    "partner_id",
                    "number",
                    "kind",
                    "direction",
                    "state",
                    "order_no",
                    "buyer_name",
                    "seller_name",
                    "amount_untaxed",
                    "amount_tax",
                    "amount_total",
                    "amount_reversed",
                    "issue_date",
                    "submitted_at",
                    "create_date",
                    "write_date",
                ),
                fapiao,
            )
            copy_rows(
                cr,
                "tax_fapiao_line",
                (
                    "fapiao_id",
                    "sequence",
                    "company_id",
                    "name",
                    "uom_name",
                    "quantity",
                    "unit_price",
                    "amount",
                    "tax_rate",
                    "tax_amount",
                    "create_date",
                    "write_date",
                ),
                lines,
            )
            copy_rows(
                cr,
                "ir_attachment",
                (
                    "name",
                    "type",
                    "res_model",
                    "res_id",
                    "company_id",
                    "store_fname",
                    "checksum",
                    "file_size",
                    "create_date",
                    "write_date",
                ),
                attachments,
            )
            cr.commit()

    def logs(self, count, batch=100_000):
        # the columns the connector writes a call with, in its order
        from odoo.addons.tax_gateway.models.tax_gateway_request_log import ROW_COLUMNS

        cr = self.env.cr
        for first in range(0, count, batch):
            rows = []
            for n in range(first, min(count, first + batch)):
                when = self.moment(n, count)
                code = CODES[n % len(CODES)]
                failure = code in ("TIMEOUT", "HTTP_503")
                rows.append(
                    (
                        self.provider.id,
                        self.company.id,
                        METHODS[n % 3],
                        20 + self.random.random() * 280,
                        503 if code == "HTTP_503" else 200,
                        code,
                        code == "E0000",
                        failure,
                        when,
                        when,
                    )
                )
            copy_rows(
                cr,
                "tax_gateway_request_log",
                (*ROW_COLUMNS, "create_date", "write_date"),
                rows,
            )
            cr.commit()

    def audit(self, count, batch=50_000):
        """Entries chained and keyed from the chain's head, as ``_seal`` links them."""
        from fapiao_core import audit as chain

        from odoo import fields

        env, cr = self.env, self.env.cr
        Audit = env["tax.gateway.audit"]
        Audit._seal()
        cr.execute("SELECT sequence, hash FROM tax_gateway_audit_head WHERE id = 1 FOR UPDATE")
        sequence, prev_hash = cr.fetchone()
        prev_hash = prev_hash or Audit._anchor()
        ring = Audit._keyring()
        key_id = ring.current_id if ring else None
        key = ring.audit_keys()[key_id] if ring else None
        user = env.user.id
        for first in range(0, count, batch):
            rows = []
            for n in range(first, min(count, first + batch)):
                when = self.moment(n, count).replace(microsecond=0)
                sequence += 1
                content = {
                    "sequence": sequence,
                    "company_id": self.company.id,
                    "user_id": user,
                    "ip_address": "",
                    "action": ("submit", "issued", "download")[n % 3],
                    "res_model": "tax.fapiao",
                    "res_id": n + 1,
                    "amount": f"{n % 100_000}.00",
                    "sent_digest": "",
                    "received_digest": "",
                    "detail": "",
                    "create_date": fields.Datetime.to_string(when),
                }
                entry_hash = chain.entry_hash(prev_hash, content, key, key_id)
                rows.append(
                    (
                        sequence,
                        self.company.id,
                        user,
                        "",
                        content["action"],
                        "tax.fapiao",
                        content["res_id"],
                        content["amount"],
                        "",
                        "",
                        "",
                        prev_hash,
                        entry_hash,
                        when,
                        when,
                    )
                )
                prev_hash = entry_hash
            copy_rows(
                cr,
                "tax_gateway_audit",
                (
                    "sequence",
                    "company_id",
                    "user_id",
                    "ip_address",
                    "action",
                    "res_model",
                    "res_id",
                    "amount",
                    "sent_digest",
                    "received_digest",
                    "detail",
                    "prev_hash",
                    "hash",
                    "create_date",
                    "write_date",
                ),
                rows,
            )
            cr.execute(
                "UPDATE tax_gateway_audit_head SET sequence = %s, hash = %s WHERE id = 1",
                [sequence, prev_hash],
            )
            cr.commit()
            cr.execute("SELECT 1 FROM tax_gateway_audit_head WHERE id = 1 FOR UPDATE")


class Costs:
    """The five costs, each measured in a transaction rolled back after it."""

    def __init__(self, env, company, manager, repeat):
        self.env = env
        self.company = company
        self.manager = manager
        self.repeat = repeat
        self.invoice_template = None

    def median(self, fn):
        times = []
        for _run in range(self.repeat):
            self.env.invalidate_all()
            start = time.perf_counter()
            fn()
            self.env.flush_all()
            times.append(time.perf_counter() - start)
            self.env.cr.rollback()
        return statistics.median(times)

    def as_manager(self, model):
        return (
            self.env[model]
            .with_user(self.manager)
            .with_context(allowed_company_ids=self.company.ids)
        )

    def dashboard(self):
        return self.median(
            lambda: self.as_manager("tax.gateway.request.stats").get_dashboard_data(days=30)
        )

    def fapiao_list(self):
        view = self.env.ref("tax_gateway.tax_fapiao_view_list")
        spec = {
            name: {"fields": {"display_name": {}}}
            if self.env["tax.fapiao"]._fields[name].type == "many2one"
            else {}
            for name in self.env["tax.fapiao"]._fields
            if f'name="{name}"' in view.arch_db
        }

        # the action's default filter, as the search view's "recent" filter evaluates it
        since = (datetime.date.today() - datetime.timedelta(days=90)).strftime("%Y-%m-%d")
        domain = [
            "|",
            ("create_date", ">=", since),
            ("state", "in", ("draft", "to_issue", "waiting_login", "issuing", "failed")),
        ]

        def open_list():
            self.as_manager("tax.fapiao").web_search_read(
                domain, spec, limit=80, order="id desc", count_limit=10001
            )

        return self.median(open_list)

    def poll_cron(self):
        return self.median(lambda: self.env["tax.fapiao"]._cron_poll_issuing())

    def issue_job(self):
        from odoo import Command

        def issue():
            move = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner.id,
                    "company_id": self.company.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": self.product.id, "quantity": 10, "price_unit": 12.5}
                        )
                    ],
                }
            )
            move.action_post()
            fapiao = self.env["tax.fapiao"].browse(move.action_prepare_fapiao()["res_id"])
            fapiao._submit()
            self.env.cr.commit()  # the job runner runs committed jobs
            perform_jobs(self.env)
            fapiao.invalidate_recordset()
            assert fapiao.state == "issued", (fapiao.state, fapiao.error_message)

        times = []
        for _run in range(self.repeat):
            start = time.perf_counter()
            issue()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    def verify_incremental(self):
        Audit = self.env["tax.gateway.audit"]

        def new_entries_then_verify():
            for n in range(100):
                Audit._append(self.company, "bench", detail=f"entry {n}")
            self.env.cr.commit()
            start = time.perf_counter()
            broken = Audit._verify_chain()
            elapsed = time.perf_counter() - start
            assert broken is None, broken
            return elapsed

        Audit._verify_chain()  # the last verification, the incremental one starts from
        self.env.cr.commit()
        return statistics.median(new_entries_then_verify() for _run in range(self.repeat))

    def all(self):
        return {
            "dashboard": self.dashboard(),
            "fapiao_list": self.fapiao_list(),
            "poll_cron": self.poll_cron(),
            "issue_job": self.issue_job(),
            "verify_incremental": self.verify_incremental(),
        }


def measure(template, db, conf, sandbox, scale, repeat):
    """A copy of ``template`` holding ``scale`` of the ten years' history, then the young
    quarter, written in time order (older rows have smaller ids, as in a real database); the
    five costs on it. The copy is dropped afterwards."""
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", template, db], check=True)
    registry = odoo.modules.registry.Registry(db)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env, company = bench_company(env, sandbox, "History 果品批发", "91110000600037341L")
            provider = env["tax.gateway.provider"].search([("company_id", "=", company.id)])
            manager = env["res.users"].create(
                {
                    "name": "History 财务经理",
                    "login": f"history_manager_{company.id}",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [
                        (
                            6,
                            0,
                            [
                                env.ref("base.group_user").id,
                                env.ref("account.group_account_manager").id,
                                env.ref("tax_gateway.group_fapiao_manager").id,
                            ],
                        )
                    ],
                }
            )
            tax = (
                env["account.chart.template"].with_company(company).ref("l10n_cn_sales_excluded_9")
            )
            code = env["tax.classification"].search([("code", "=", "1010115010100000000")])
            costs = Costs(env, company, manager, repeat)
            costs.product = env["product.product"].create(
                {"name": "苹果", "taxes_id": [(6, 0, tax.ids)], "tax_classification_id": code.id}
            )
            costs.partner = env["res.partner"].create(
                {"name": "History 客户", "is_company": True, "vat": "91310000MA1FL0001R"}
            )
            history = History(env, company, provider)
            cr.commit()
            counts = dict(YOUNG)
            start = time.perf_counter()
            if scale:
                older = {k: max(0, int(v * scale) - YOUNG[k]) for k, v in FULL.items()}
                history.window = (int(365 * YEARS * scale), YOUNG_DAYS)
                history.fapiao(older["fapiao"])
                history.logs(older["logs"])
                history.audit(older["audit"])
                counts = {k: older[k] + YOUNG[k] for k in FULL}
            history.window = (YOUNG_DAYS, 0)
            history.fapiao(YOUNG["fapiao"])
            history.logs(YOUNG["logs"])
            history.audit(YOUNG["audit"])
            cr.execute("ANALYZE")
            cr.commit()  # the statistics count once committed (autovacuum's analyze in real life)
            generated = time.perf_counter() - start
            seconds = costs.all()
            full = None
            if scale:
                start = time.perf_counter()
                broken = env["tax.gateway.audit"]._verify_chain(full=True)
                assert broken is None, broken
                cr.execute("SELECT count(*) FROM tax_gateway_audit")
                full = round(cr.fetchone()[0] / (time.perf_counter() - start))
            cr.rollback()
        return {
            "counts": counts,
            "days": int(365 * YEARS * scale) if scale else YOUNG_DAYS,
            "generated_s": round(generated, 1),
            "seconds": seconds,
            "verify_full_entries_per_s": full,
        }
    finally:
        odoo.modules.registry.Registry.delete(db)
        odoo.sql_db.close_db(db)
        if not os.environ.get("BENCH_HISTORY_KEEP"):  # kept: to look at a plan afterwards
            subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
            filestore = pathlib.Path(config["data_dir"]) / "filestore" / db
            subprocess.run(["rm", "-rf", str(filestore)], check=True)


def main(template, conf, out):
    from odoo.tools import config

    config.parse_config(["-c", conf, "-d", template])
    scales = [float(s) for s in os.environ.get("BENCH_HISTORY_SCALE", "0.1,1").split(",")]
    repeat = int(os.environ.get("BENCH_HISTORY_REPEAT", "5"))
    sandbox = SandboxProcess(
        tempfile.mkdtemp(prefix="bench-sandbox-"), extra=["--credit-line", "1000000000.00"]
    ).start()
    result = {"scales": scales, "repeat": repeat, "sizes": {}}
    try:
        young = measure(template, f"{template}_young", conf, sandbox, 0, repeat)
        result["sizes"]["young"] = young
        print("young", json.dumps(young))
        previous = young["seconds"]
        for n, scale in enumerate(scales):
            size = measure(template, f"{template}_h{n}", conf, sandbox, scale, repeat)
            seconds = size["seconds"]
            size["ratio_to_young"] = {
                k: round(seconds[k] / young["seconds"][k], 2) for k in seconds
            }
            size["growth_from_previous"] = {k: round(seconds[k] / previous[k], 2) for k in seconds}
            previous = seconds
            result["sizes"][str(scale)] = size
            print(scale, json.dumps(size))
    finally:
        sandbox.stop()
    largest = result["sizes"][str(scales[-1])]
    result.update(
        {
            "history_ratio_dashboard": largest["ratio_to_young"]["dashboard"],
            "history_ratio_fapiao_list": largest["ratio_to_young"]["fapiao_list"],
            "history_ratio_poll_cron": largest["ratio_to_young"]["poll_cron"],
            "history_ratio_issue_job": largest["ratio_to_young"]["issue_job"],
            "history_verify_incremental_s": round(largest["seconds"]["verify_incremental"], 4),
            "history_ratio_verify_incremental": largest["ratio_to_young"]["verify_incremental"],
            "history_verify_full_entries_per_s": largest["verify_full_entries_per_s"],
        }
    )
    pathlib.Path(out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k.startswith("history_")}, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:4])
