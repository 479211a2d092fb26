"""18.0.1.3.0: fapiao are polled by their platform's job (tax.gateway.provider
_job_poll_issuing). The per-fapiao poll job of earlier versions is gone: the ones still waiting
are dropped, and the cron that follows up fapiao waiting for the platform queues their
platform's job instead."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "DELETE FROM queue_job WHERE model_name = 'tax.fapiao' AND method_name = '_job_poll'"
        " AND state IN ('wait_dependencies', 'pending', 'enqueued')"
    )
