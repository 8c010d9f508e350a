"""Sources other than a pair of extracts, turned into the same canonical frames.

``ssd``: the Standard Safeguarding Dataset's tables, from a folder of files or a
database. ``annex_a``: Ofsted's Annex A lists, a snapshot audit. Both hand the
one engine the canonical cases and visits frames that :mod:`visit_audit.io.load`
builds from any extract; neither holds a rule of its own.
"""
