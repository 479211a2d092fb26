import datetime
import logging
import random

from fapiao_core import audit
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL

from .tax_gateway_encrypted_mixin import get_keyring
from .tax_gateway_workflow import in_transition, transition_running

_logger = logging.getLogger(__name__)
ANCHOR_PARAM = "tax_gateway.audit_anchor"
RETENTION_PARAM = "tax_gateway.audit_retention_years"
# 《会计档案管理办法》(财政部 档案局令第79号) 第十四条: 发票 and the records of their issuing are
# kept for at least 10 years; a shorter retention is refused.
MIN_RETENTION_YEARS = 10
SEAL_LOCK = "SELECT sequence, hash FROM tax_gateway_audit_head WHERE id = 1 FOR UPDATE"
SEAL_LOCK_NOWAIT = SEAL_LOCK + " NOWAIT"
VERIFY_BATCH = 10000  # entries read per query when verifying
VERIFY_SAMPLE = 1000  # earlier entries spot-checked by each incremental verification
VERIFY_CHUNK = 200000  # entries per job of the whole chain's verification


class TaxGatewayAudit(models.Model):
    """Append-only, hash-chained audit trail of every fapiao action."""

    _name = "tax.gateway.audit"
    _description = "Fapiao Audit Trail"
    _order = "id desc"
    _rec_name = "action"

    sequence = fields.Integer(readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one("res.users", readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    action = fields.Char(readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Integer(string="Record ID", readonly=True)
    amount = fields.Char(readonly=True, help="Exact amount as text.")
    sent_digest = fields.Char(readonly=True, help="SHA-256 of what was sent to the platform.")
    received_digest = fields.Char(readonly=True, help="SHA-256 of what the platform answered.")
    detail = fields.Char(readonly=True)
    prev_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True)

    _sql_constraints = [("sequence_unique", "unique(sequence)", "Audit entries are numbered once.")]

    def _content(self):
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "company_id": self.company_id.id,
            "user_id": self.user_id.id,
            "ip_address": self.ip_address or "",
            "action": self.action,
            "res_model": self.res_model or "",
            "res_id": self.res_id,
            "amount": self.amount or "",
            "sent_digest": self.sent_digest or "",
            "received_digest": self.received_digest or "",
            "detail": self.detail or "",
            "create_date": fields.Datetime.to_string(self.create_date),
        }

    @api.model
    def _append(self, record, action, amount=None, sent=None, received=None, detail=""):
        """Add one entry for ``record``. ``sent``/``received`` are stored as digests only.

        The entry is written in the caller's transaction (it exists only if the action does)
        but not linked yet: linking needs the previous entry, which a concurrent transaction
        may be writing, and one lock on the chain for every fapiao action made concurrent
        users fail under load (found by the connector benchmark). ``_seal`` links the entries
        once committed: right after this transaction commits, else by the cron."""
        try:
            ip_address = request.httprequest.remote_addr if request else ""
        except RuntimeError:
            ip_address = ""
        entry = self.sudo().create(
            {  # reason: users append, nobody may write the model
                "company_id": self._entry_company(record).id,
                "user_id": self.env.uid,
                "ip_address": ip_address,
                "action": action,
                "res_model": record._name,
                "res_id": record.id,
                "amount": str(amount) if amount is not None else "",
                "sent_digest": audit.digest(sent) if sent is not None else "",
                "received_digest": audit.digest(received) if received is not None else "",
                "detail": detail or "",
            }
        )
        postcommit = self.env.cr.postcommit
        if not postcommit.data.get("tax_gateway_audit_seal"):
            postcommit.data["tax_gateway_audit_seal"] = True
            postcommit.add(self._seal_after_commit)
        return entry

    def _entry_company(self, record):
        """The company an entry belongs to (its record rule): the record's, the company itself
        for a company, else the current one (a wizard, an export of company-less records)."""
        if record._name == "res.company":
            return record[:1]
        if "company_id" in record._fields and record[:1].company_id:
            return record[:1].company_id
        return self.env.company

    def _seal_after_commit(self):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            try:
                env["tax.gateway.audit"]._seal(wait=False)
            except (LockNotAvailable, SerializationFailure):
                cr.rollback()  # another sealer is at work: it, or the cron, links these too

    @api.model
    def _seal(self, wait=True):
        """Link the entries not chained yet (committed ones, and this transaction's own), in
        the order they were written, to the chain:
        sequence, previous hash, hash. One sealer at a time (the chain head row is locked).
        Returns how many entries were sealed."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SEAL_LOCK if wait else SEAL_LOCK_NOWAIT)
        sequence, prev_hash = cr.fetchone()
        prev_hash = prev_hash or self._anchor()
        cr.execute("SELECT id FROM tax_gateway_audit WHERE sequence IS NULL ORDER BY id")
        entries = self.sudo().browse([row[0] for row in cr.fetchall()])
        ring = self._keyring() if entries else None
        key_id = ring.current_id if ring else None
        key = ring.audit_keys()[key_id] if ring else None
        links = []
        for entry in entries:
            sequence += 1
            entry_hash = audit.entry_hash(
                prev_hash, dict(entry._content(), sequence=sequence), key, key_id
            )
            links.append(SQL("(%s, %s, %s, %s)", entry.id, sequence, prev_hash, entry_hash))
            prev_hash = entry_hash
        if links:
            cr.execute(
                SQL(
                    "UPDATE tax_gateway_audit AS entry"
                    "   SET sequence = link.sequence, prev_hash = link.prev_hash, hash = link.hash"
                    "  FROM (VALUES %s) AS link(id, sequence, prev_hash, hash)"
                    " WHERE entry.id = link.id",
                    SQL(", ").join(links),
                )
            )
            cr.execute(
                "UPDATE tax_gateway_audit_head SET sequence = %s, hash = %s WHERE id = 1",
                [sequence, prev_hash],
            )
            entries.invalidate_recordset(["sequence", "prev_hash", "hash"])
        return len(entries)

    @api.model
    def _cron_seal(self):
        return self._seal()

    def init(self):
        """The chain's head: one row, the last sequence and hash (seeded from the entries)."""
        res = super().init()
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS tax_gateway_audit_head (
                id integer PRIMARY KEY CHECK (id = 1),
                sequence integer NOT NULL,
                hash varchar
            );
            ALTER TABLE tax_gateway_audit_head
                ADD COLUMN IF NOT EXISTS verified_sequence integer,
                ADD COLUMN IF NOT EXISTS verified_hash varchar,
                ADD COLUMN IF NOT EXISTS verified_mac varchar;
            INSERT INTO tax_gateway_audit_head (id, sequence, hash)
            SELECT 1, coalesce(max(sequence), 0),
                   (SELECT hash FROM tax_gateway_audit ORDER BY sequence DESC LIMIT 1)
              FROM tax_gateway_audit
            ON CONFLICT (id) DO NOTHING;
            """
        )
        return res

    @api.model
    def _keyring(self):
        """The personal-data keyring, whose keys also sign the chain; None (an unkeyed chain,
        logged) when the server has no key: an audit entry never blocks a fapiao action."""
        try:
            return get_keyring(self.env)
        except UserError:
            _logger.warning("no fapiao key configured: the audit chain is not keyed")
            return None

    @api.model
    def _anchor(self):
        return self.env["ir.config_parameter"].sudo().get_param(ANCHOR_PARAM) or audit.GENESIS

    def write(self, vals):
        if self:
            raise UserError(_("The audit trail is append-only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not transition_running():  # the purge of entries past the retention only
            raise UserError(_("The audit trail is append-only."))

    # columns of an entry's content (``_content``), read by SQL when verifying
    _CONTENT_SQL = (
        "SELECT sequence, prev_hash, hash, company_id, user_id, ip_address, action, res_model,"
        " res_id, amount, sent_digest, received_digest, detail, create_date"
        " FROM tax_gateway_audit"
    )

    @api.model
    def _content_row(self, row):
        """(sequence, prev_hash, hash, content) of a row of _CONTENT_SQL, the content as
        ``_content`` gives it (what the ORM reads: 0 and False for NULL, whole seconds)."""
        (sequence, prev_hash, entry_hash, company, user, ip, action, res_model, res_id, amount,
         sent, received, detail, created) = row  # fmt: skip
        return (
            sequence,
            prev_hash,
            entry_hash,
            {
                "sequence": sequence,
                "company_id": company or False,
                "user_id": user or False,
                "ip_address": ip or "",
                "action": action,
                "res_model": res_model or "",
                "res_id": res_id or 0,
                "amount": amount or "",
                "sent_digest": sent or "",
                "received_digest": received or "",
                "detail": detail or "",
                "create_date": fields.Datetime.to_string(created.replace(microsecond=0))
                if created
                else False,
            },
        )

    @api.model
    def _entries_between(self, first, last=None, batch=VERIFY_BATCH):
        """The chained entries from sequence ``first`` (to ``last``), in order, read by SQL in
        batches (no ORM records: a chain holds millions)."""
        cr = self.env.cr
        after = first - 1
        while True:
            query = self._CONTENT_SQL + " WHERE sequence > %s"
            params = [after]
            if last is not None:
                query += " AND sequence <= %s"
                params.append(last)
            cr.execute(query + " ORDER BY sequence LIMIT %s", [*params, batch])
            rows = cr.fetchall()
            for row in rows:
                yield self._content_row(row)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    @api.model
    def _verify_chain(self, full=False):
        """None when the chain holds, else (sequence, reason) of the first broken entry.
        Entries not linked yet are sealed first.

        Incremental unless ``full``: from the last verification's seal (a keyed checkpoint:
        whoever writes the database cannot move it), the entries after it, the sealed entry
        itself with the one before it, and VERIFY_SAMPLE entries picked at random among the
        earlier ones, each with the one before it; a chain shorter than that is verified
        whole. The full verification reads every entry from the anchor (a manager runs it
        as a job: *Verify Whole Chain*). A chain found whole moves the seal to its head."""
        self._seal()
        self.invalidate_model()  # read what the database holds now, not the cache
        cr = self.env.cr
        cr.execute(
            "SELECT sequence, hash, verified_sequence, verified_hash, verified_mac"
            " FROM tax_gateway_audit_head WHERE id = 1"
        )
        head_sequence, head_hash, seal_sequence, seal_hash, seal_mac = cr.fetchone()
        ring = self._keyring()
        keys = ring.audit_keys() if ring else None
        head = (head_sequence, head_hash) if head_sequence else None
        cr.execute("SELECT min(sequence) FROM tax_gateway_audit")
        first = cr.fetchone()[0]
        sealed = (
            not full
            and seal_sequence
            and first is not None
            and seal_sequence - first + 1 > VERIFY_SAMPLE
            and audit.checkpoint_holds(seal_sequence, seal_hash, seal_mac, keys)
        )
        if not sealed:
            broken = audit.verify(
                self._entries_between(first or 1), self._anchor(), keys=keys, head=head
            )
        else:
            broken = self._verify_sample(first, seal_sequence, keys) or audit.verify(
                self._entries_between(seal_sequence + 1),
                seal_hash,
                keys=keys,
                head=head,
                start=seal_sequence,
            )
        if broken is None and head:
            self._seal_verified(head_sequence, head_hash, ring)
        return broken

    @api.model
    def _seal_verified(self, sequence, entry_hash, ring):
        """Record that the chain holds up to ``sequence``: the next verification starts there."""
        key_id = ring.current_id if ring else None
        mac = audit.checkpoint_mac(
            sequence, entry_hash, ring.audit_keys()[key_id] if ring else None, key_id
        )
        self.env.cr.execute(
            "UPDATE tax_gateway_audit_head SET verified_sequence = %s, verified_hash = %s,"
            " verified_mac = %s WHERE id = 1",
            [sequence, entry_hash, mac],
        )

    @api.model
    def _verify_sample(self, first, sealed, keys):
        """The sealed entry and VERIFY_SAMPLE random earlier ones, each against the entry
        before it: an edited, removed or re-hashed entry among them breaks its pair."""
        earlier = range(first + 1, sealed)
        picks = {sealed} | set(
            random.SystemRandom().sample(earlier, min(VERIFY_SAMPLE, len(earlier)))
        )
        wanted = sorted(picks | {pick - 1 for pick in picks})
        self.env.cr.execute(self._CONTENT_SQL + " WHERE sequence = ANY(%s)", [wanted])
        rows = {row[0]: self._content_row(row) for row in self.env.cr.fetchall()}
        for sequence in sorted(picks):
            if sequence not in rows:
                return sequence, "entry missing from the chain"
            before = rows.get(sequence - 1)
            if before is None:
                return sequence, "missing entry before this one"
            broken = audit.verify(
                [before, rows[sequence]], before[1], keys=keys, start=sequence - 2
            )
            if broken:
                return broken
        return None

    @api.model
    def action_verify_whole_chain(self):
        """A manager verifies every entry, from the anchor: a job per VERIFY_CHUNK entries,
        each named with how far it got; the result comes as a notification."""
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager verifies the audit trail."))
        self._seal()
        self.env.cr.execute("SELECT min(sequence), max(sequence) FROM tax_gateway_audit")
        first, last = self.env.cr.fetchone()
        self._enqueue_verify_chunk((first or 1) - 1, self._anchor(), last or 0)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Verify Whole Chain"),
                "message": _(
                    "The %s entries are verified by a job in the background; the result "
                    "comes as a notification.",
                    (last or 0) - (first or 1) + 1,
                ),
                "type": "info",
            },
        }

    def _enqueue_verify_chunk(self, after, anchor, last):
        # reason: the chain is read whole by the manager who asked, whatever the companies
        self.with_delay(
            description=_(
                "Verify the audit trail: entries %(done)s to %(last)s", done=after + 1, last=last
            ),
            identity_key=f"tax_gateway_audit_verify_{after}",
        )._job_verify_chunk(after, anchor, last)

    @api.model
    def _job_verify_chunk(self, after, anchor, last):
        """Verify VERIFY_CHUNK entries after ``after`` (whose hash is ``anchor``), then queue the
        next chunk, or report the whole chain's result to the manager who asked."""
        ring = self._keyring()
        keys = ring.audit_keys() if ring else None
        end = min(last, after + VERIFY_CHUNK)
        chunk = list(self._entries_between(after + 1, end))
        start = after if after else None
        broken = audit.verify(chunk, anchor, keys=keys, start=start)
        if broken is None and end < last:
            self._enqueue_verify_chunk(end, chunk[-1][2] if chunk else anchor, last)
            return _("Entries %(first)s to %(end)s verified.", first=after + 1, end=end)
        if broken is None:
            self.env.cr.execute("SELECT sequence, hash FROM tax_gateway_audit_head WHERE id = 1")
            head = self.env.cr.fetchone()
            tail_hash = chunk[-1][2] if chunk else anchor
            if head and (head[0] < end or (head[0] == end and head[1] != tail_hash)):
                broken = (end, "the chain's head does not match its last entry")
            elif chunk:
                self._seal_verified(end, tail_hash, ring)
        message = (
            _("The whole audit trail is intact (%s entries).", last)
            if broken is None
            else _(
                "The audit trail is broken at entry %(sequence)s: %(reason)s.",
                sequence=broken[0],
                reason=broken[1],
            )
        )
        self.env.user._bus_send(
            "simple_notification",
            {
                "title": _("Verify Whole Chain"),
                "message": message,
                "sticky": broken is not None,
                "type": "success" if broken is None else "danger",
            },
        )
        return message

    @api.model
    def action_verify_chain(self):
        if not self.env.user.has_group("tax_gateway.group_fapiao_manager"):
            raise UserError(_("Only a Fapiao Manager verifies the audit trail."))
        broken = self._verify_chain()
        message = (
            _("The audit trail is intact.")
            if broken is None
            else _(
                "The audit trail is broken at entry %(sequence)s: %(reason)s.",
                sequence=broken[0],
                reason=broken[1],
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Verify Chain"),
                "message": message,
                "sticky": broken is not None,
                "type": "success" if broken is None else "danger",
            },
        }

    @api.model
    def _cron_purge(self):
        """Drop entries older than the retention (default 10 years), keeping the chain
        verifiable: the hash of the last dropped entry becomes the anchor."""
        years = max(
            int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 10)),
            MIN_RETENTION_YEARS,
        )
        limit = fields.Datetime.now() - datetime.timedelta(days=365 * years + years // 4)
        old = self.sudo().search(
            [("create_date", "<", limit), ("sequence", "!=", False)], order="sequence"
        )
        if old:
            first, last = old[0].sequence, old[-1].sequence
            self.env["ir.config_parameter"].sudo().set_param(ANCHOR_PARAM, old[-1].hash)
            with in_transition():
                old.unlink()
            # the purge itself is in the chain: what was dropped, up to where
            self._append(
                self.env.company,
                "audit_purge",
                detail=f"{len(old)} entries {first}-{last}, older than {years} years",
            )


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_audit_retention(vals.get("key"), vals.get("value"))
            self.env["tax.gateway.request.log"]._check_retention(vals.get("key"), vals.get("value"))
        return super().create(vals_list)

    def write(self, vals):
        for parameter in self:
            key = vals.get("key", parameter.key)
            self._check_audit_retention(key, vals.get("value"))
            self.env["tax.gateway.request.log"]._check_retention(key, vals.get("value"))
        return super().write(vals)

    @api.model
    def _check_audit_retention(self, key, value):
        if key != RETENTION_PARAM or value is None:
            return
        try:
            years = int(value)
        except (TypeError, ValueError):
            years = 0
        if years < MIN_RETENTION_YEARS:
            raise UserError(
                _(
                    "Fapiao and their audit trail are kept for at least %s years "
                    "(会计档案管理办法): a shorter retention is refused.",
                    MIN_RETENTION_YEARS,
                )
            )
