"""The namespace baseline: what the operator keeps in each selected namespace.

Pure functions from a policy and a namespace snapshot to desired objects and
to the plan of writes that gets the namespace there. Nothing here knows how
objects are fetched or written.
"""
