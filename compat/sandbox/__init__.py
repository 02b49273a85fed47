"""An embedded Mini Program message platform for tests, demos and local development.

    from compat.sandbox import Sandbox

    with Sandbox() as sandbox:
        client = compat.MessageClient(sandbox.url, "client-1")
        client.send({...})
        sandbox.messages()

Also ``compat sandbox`` on the command line, and the ``compat_sandbox`` pytest
fixture (installed with compat).
"""

from ._server import Faults, Sandbox, mask_body

__all__ = ["Faults", "Sandbox", "mask_body"]
