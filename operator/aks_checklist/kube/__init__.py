"""The only code that talks to the Kubernetes API server (with the ``kubernetes`` client)."""
