"""Helpers of the end-to-end benchmarks that run outside `odoo shell` (vehicle_e2e, fruit_e2e)."""


def perform_jobs(env, model="tax.fapiao"):
    """Perform the stored jobs the way queue_job's runner does, one after the other, each
    committed; rounds until nothing is pending (results polled after their eta is ignored)."""
    from odoo.addons.queue_job.exception import RetryableJobError
    from odoo.addons.queue_job.job import Job

    performed = 0
    for _round in range(20):
        pending = env["queue.job"].search(
            [("model_name", "=", model), ("state", "in", ("pending", "enqueued"))], order="id"
        )
        if not pending:
            break
        for record in pending:
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            try:
                job.perform()
            except RetryableJobError as err:
                job.postpone(result=str(err), seconds=0)
                job.set_pending(reset_retry=False)
            else:
                job.set_done()
            job.store()
            env.cr.commit()
            performed += 1
    return performed
