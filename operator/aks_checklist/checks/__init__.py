"""The check engine: pure functions from snapshots of objects to findings."""
