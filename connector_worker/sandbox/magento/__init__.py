"""A Magento 2.4.7 sandbox: a stateful REST server that behaves like the real store for the connector.

Start one with :class:`SandboxServer` (``SandboxServer(MagentoSandbox(SandboxConfig(seed=1))).start()``)
or ``connector sandbox magento``; drive it with :class:`SandboxControl` or the ``/_sandbox`` routes.
"""

from connector_worker.sandbox.magento.config import SandboxConfig
from connector_worker.sandbox.magento.control import SandboxControl
from connector_worker.sandbox.magento.instance import MagentoSandbox
from connector_worker.sandbox.magento.server import SandboxServer

__all__ = ["MagentoSandbox", "SandboxConfig", "SandboxControl", "SandboxServer"]
