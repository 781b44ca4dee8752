"""Kopf glue and the feeds: watches, in-memory indexes, the per-policy coalescing worker.

Nothing here writes onto watched built-in objects: built-in kinds are only
listed and watched by the operator's own feeds, which write nothing. Kopf
serves our AksChecklistPolicy alone, and keeps its state there.
"""
