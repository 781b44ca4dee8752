"""Kopf glue: watches, in-memory indexes, the per-policy coalescing worker.

Nothing here writes onto watched built-in objects: built-in kinds only have
``@kopf.index`` and ``@kopf.on.event`` handlers, which store no state on the
object. Kopf's state storage is used for our own AksChecklistPolicy only.
"""
