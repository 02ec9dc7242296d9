"""The webhook receiver: authenticates Magento deliveries, deduplicates them and queues ``orders.sync``.

Start with :func:`connector_worker.webhook.app.create_app`; ``connector webhook`` serves it with uvicorn.
"""
