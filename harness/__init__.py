"""rpfuzz: Rocket Pool in Vyper under Titanoboa, and the harness that fuzzes it.

Start with :func:`harness.deploy.deploy_protocol`, which returns a
:class:`harness.protocol.Protocol` facade.
"""

from harness.deploy import deploy_protocol
from harness.protocol import Protocol

__all__ = ["Protocol", "deploy_protocol"]
