"""The read-only dashboard page: the policies' and namespaces' compliance as one HTML page.

``view`` reads AksChecklistPolicy and AksCompliance objects defensively into a
small, bounded model; ``page`` turns that model and the catalog into HTML;
``server`` serves it (alone, or beside the Prometheus metrics). Those three
import no Kubernetes client. ``source`` reads the objects from the API server
and ``mount`` wires everything onto the operator's metrics port.
"""
