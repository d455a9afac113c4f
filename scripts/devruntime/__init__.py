"""The dev runtime: an embedded stand-in for Windmill (see README section `devruntime`).

Kept import-light: job processes import `scripts.devruntime.runner` through this package.
Use `scripts.devruntime.server.DevServer` to run one in a thread, `python -m scripts.devruntime`
to serve in the foreground.
"""
