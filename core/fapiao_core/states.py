"""The state machine's groups of states, named once (plain Python, no Odoo).

The Odoo models (``tax.fapiao``, ``tax.red.form``, the provider's drawer session) and every
add-on test states against these names, never against a typed list; the views read the same
groups through computed fields (``tax.fapiao.is_editable``, ``tax.red.form.is_editable``), and
``tests/unit/test_states.py`` checks that any state list left in a view is one of these groups.

A fapiao goes: draft → to_issue (queued; waiting_login while the drawer must log in) → issuing
→ issued → partially_reversed → reversed; or failed (then draft again), cancelled, voided.
"""

from .platform import SESSION_LOGIN, SESSION_VERIFY

# ---------------------------------------------------------------- tax.fapiao
# the user may still change it (header and lines), issue, cancel or delete it
EDITABLE = ("draft", "failed")
# submitted, not sent yet: to issue, or held until the drawer logs in to the tax bureau
QUEUED = ("to_issue", "waiting_login")
# may go back to draft: queued (the platform is asked first) or failed
RESETTABLE = (*QUEUED, "failed")
# handed to the platform, whose answer is awaited (what the poller asks about)
AWAITING_PLATFORM = ("to_issue", "issuing")
# submitted and not settled yet: queued or awaiting the platform
IN_FLIGHT = (*QUEUED, "issuing")
# the tax bureau knows the document: the accounting side is frozen
LOCKED = ("issuing", "issued", "partially_reversed", "reversed")
# issued by the bureau: counted in what was invoiced, printed, reported
ISSUED = ("issued", "partially_reversed", "reversed")
# issued and with something left to reverse
REVERSIBLE = ("issued", "partially_reversed")
# reversed by red letters, in part or in full
REVERSED = ("partially_reversed", "reversed")
# given up without a number: nothing counts
GIVEN_UP = ("cancelled", "voided")
# not counting against its invoice's amount any more (given up or reversed in full)
DEAD = (*GIVEN_UP, "reversed")
# never issued by the bureau (no number can exist)
NEVER_ISSUED = ("draft", "failed", "cancelled")
# never submitted: its invoice may still be deleted
UNSUBMITTED = ("draft", "cancelled")

# ---------------------------------------------------------------- tax.red.form
# the red form may still change, be requested or cancelled
FORM_EDITABLE = ("draft", "failed")
# sent to the bureau and not settled yet: followed up; they tie their company to its platform
FORM_IN_FLIGHT = ("applying", "pending", "confirmed")
# holding red amount of their blue fapiao (a new form only gets what they leave)
FORM_LIVE = (*FORM_IN_FLIGHT, "issued")
# given up: hold nothing
FORM_GIVEN_UP = ("cancelled", "failed")
# never at the bureau, or refused there
FORM_NOT_AT_BUREAU = ("draft", "failed", "cancelled")
# never submitted: its credit note may still be deleted
FORM_UNSUBMITTED = ("draft", "cancelled")

# ------------------------------------------------- the drawer's session at the bureau
# the provider's session states that hold fapiao back
SESSION_HOLDS = (SESSION_LOGIN, SESSION_VERIFY)
