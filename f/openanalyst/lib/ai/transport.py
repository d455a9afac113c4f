# extra_requirements:
# anthropic
"""The Anthropic SDK's HTTP client: one per process and base URL, on the process's TLS context.

The SDK gives every `Anthropic()` an HTTP client of its own, and each loads the CA bundle into a
new TLS context (20-50 ms of CPU, measured in a job). A step may make several (the brain's agents,
the writer), so they share this one, whose context is `windmill_rest.tls`'s: an https base URL
loads the CA bundle once per process, a plain-http one (a gateway inside the network, the tests'
replayed API) none. Requests keep the timeout and retries their `Anthropic()` was given.
"""

from __future__ import annotations

import anthropic

import f.openanalyst.lib.windmill.rest as windmill_rest

_clients: dict[str | None, anthropic.DefaultHttpxClient] = {}


def http_client(base_url: str | None) -> anthropic.DefaultHttpxClient:
    """The SDK's HTTP client for `base_url` (None: the SDK's own default, the Anthropic API)."""
    client = _clients.get(base_url)
    if client is None:
        client = _clients[base_url] = anthropic.DefaultHttpxClient(verify=windmill_rest.tls(base_url))
    return client
