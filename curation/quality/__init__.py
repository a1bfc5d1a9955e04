"""Annotation quality: agreement between annotators, disputed items, pre-annotation utility, the report.

Everything here reads the pulled snapshots (never the server) and is pure over
them, so the figures are reproducible from `.curation/snapshots/` alone.
"""
