"""One exception family. Only the CLI catches these: one line on stderr, exit 2."""


class VisitAuditError(Exception):
    """Base of every error the tool reports to its user as one sentence."""


class InputError(VisitAuditError):
    """An extract (or option) that cannot be used at all: names the file and what is wrong."""


class FrameworkError(VisitAuditError):
    """A framework file that does not validate: names the file and the key."""
