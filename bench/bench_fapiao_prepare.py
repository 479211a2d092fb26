"""tax_gateway: preparing and validating the fapiao of posted invoices (no platform call)."""

import time


def prepare_and_validate(env, ctx):
    moves = env["account.move"].create(ctx.invoice_values())
    moves.action_post()
    start = time.perf_counter()
    fapiao = env["tax.fapiao"]
    for move in moves:
        values = env["tax.fapiao"]._prepare_from_move(move, kind="82")
        fapiao |= env["tax.fapiao"]._create_prepared([values])
    for record in fapiao:
        record._check_before_issue()
    seconds = time.perf_counter() - start
    return {
        "invoices": len(moves),
        "lines_per_invoice": ctx.lines,
        "seconds_per_invoice": seconds / len(moves),
    }


BENCHMARKS = [prepare_and_validate]
