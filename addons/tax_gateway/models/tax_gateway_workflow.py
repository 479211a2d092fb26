"""The state machine's gate: workflow and legal fields are written by transitions only.

A field being ``readonly`` in a view protects nothing: any user with write access to the model can
call ``write`` or ``create`` over JSON-RPC, import a file or duplicate a record. The models here
name their workflow and legal fields (state, fapiao number, business key, approval and risk states,
sold totals…) in ``_workflow_fields()``; ``create``, ``write`` and ``copy`` refuse any change of
them unless it happens inside a *transition*: a method decorated with :func:`transition`, which
checks who may do it and the business rules before it writes.

The marker is a :mod:`contextvars` variable, not an Odoo context key: a context key can be sent by
any RPC client, the variable can only be set by server code. Module installation and upgrade
(data files, while the registry is loading) are not refused.
"""

import contextlib
import contextvars
import functools

from odoo import _, api, models
from odoo.exceptions import UserError

_IN_TRANSITION = contextvars.ContextVar("tax_gateway_in_transition", default=False)


@contextlib.contextmanager
def in_transition():
    """Server code that is a transition of the state machine (see :func:`transition`)."""
    token = _IN_TRANSITION.set(True)
    try:
        yield
    finally:
        _IN_TRANSITION.reset(token)


def transition(method):
    """Decorator of the methods that may write workflow fields. Such a method checks, before it
    writes, who is calling and whether the business rules allow the step."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with in_transition():
            return method(self, *args, **kwargs)

    return wrapper


def transition_running():
    return _IN_TRANSITION.get()


class TaxGatewayWorkflowMixin(models.AbstractModel):
    _name = "tax.gateway.workflow.mixin"
    _description = "Fields Written Only by the Fapiao State Machine"

    def _workflow_fields(self):
        """Names of the fields written only by transitions (extended by trade add-ons)."""
        return set()

    def _workflow_complete(self, vals_list):
        """Values of workflow fields that a record created outside a transition takes from
        elsewhere (e.g. the seller from the company), added after the refusal check."""
        return vals_list

    def _workflow_open(self):
        return transition_running() or not self.env.registry.ready

    def _workflow_refusal(self, names):
        labels = ", ".join(
            sorted(self._fields[name]._description_string(self.env) for name in names)
        )
        return UserError(
            _(
                "%(fields)s of %(model)s change only through the workflow's buttons (issue, "
                "approve, reverse…), never by editing, importing or duplicating a record.",
                fields=labels,
                model=self._description,
            )
        )

    def _workflow_default_or_empty(self, name, value):
        field = self._fields[name]
        if not value:
            return True
        default = field.default(self) if field.default else None
        return value == default

    def _workflow_changed(self, name, value):
        """True when writing ``value`` would change ``name`` on one of the records."""
        field = self._fields[name]
        for record in self:
            current = field.convert_to_write(record[name], record)
            new = field.convert_to_write(
                field.convert_to_record(field.convert_to_cache(value, record), record), record
            )
            if (current or False) != (new or False):
                return True
        return False

    def _workflow_strip_context(self):
        """``default_<field>`` keys of workflow fields in the context (any RPC client can send
        them) are dropped: they would set the field on create."""
        context = self.env.context
        names = self._workflow_fields()
        dropped = {key for key in context if key.startswith("default_") and key[8:] in names}
        if not dropped:
            return self
        # the keys are removed, not overridden: a new environment with the rest of the context
        return self.with_env(
            self.env(context={k: v for k, v in context.items() if k not in dropped})
        )

    @api.model_create_multi
    def create(self, vals_list):
        if self._workflow_open():
            return super().create(vals_list)
        names = self._workflow_fields()
        refused = {
            name
            for vals in vals_list
            for name in names & set(vals)
            if not self._workflow_default_or_empty(name, vals[name])
        }
        if refused:
            raise self._workflow_refusal(refused)
        records = self._workflow_strip_context()
        vals_list = records._workflow_complete(vals_list)
        return super(TaxGatewayWorkflowMixin, records).create(vals_list)

    def write(self, vals):
        if not self._workflow_open():
            refused = {
                name
                for name in self._workflow_fields() & set(vals)
                if self._workflow_changed(name, vals[name])
            }
            if refused:
                raise self._workflow_refusal(refused)
        return super().write(vals)

    def copy_data(self, default=None):
        """A duplicate starts where the workflow starts: none of the workflow fields is
        copied (a value asked for in ``default`` is refused by ``create``)."""
        vals_list = super().copy_data(default=default)
        if self._workflow_open():
            return vals_list
        names = self._workflow_fields() - set(default or ())
        return [{k: v for k, v in vals.items() if k not in names} for vals in vals_list]
