"""Views of one :class:`~visit_audit.result.AuditResult`: terminal, Excel and JSON.

Only ``terminal`` (and ``explain``) import rich; only ``excel`` imports the Excel library.
"""
