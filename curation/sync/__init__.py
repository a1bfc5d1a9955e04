"""Keeping a Label Studio project and the local corpus in step (push now; pull next)."""
