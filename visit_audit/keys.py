"""The pseudonymisation key (``--pseudonymise``, ``--key-file``).

Standard library only: the command line reads the key, and reports a missing
one, before anything heavy is imported or any file is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from visit_audit.errors import InputError

ENV_VAR = "VISIT_AUDIT_KEY"
MIN_KEY_BYTES = 16


def load_key(env: Mapping[str, str] = os.environ, key_file: Path | None = None) -> bytes:
    """The pseudonymisation key: the contents of ``key_file`` if given, else $VISIT_AUDIT_KEY.

    Surrounding white space (a trailing newline) is not part of the key. The
    key itself never appears in a message.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as e:
            reason = e.strerror or type(e).__name__
            raise InputError(f"cannot read the key file {key_file}: {reason}") from None
        source = f"the key file {key_file}"
    else:
        key = env.get(ENV_VAR, "").strip().encode("utf-8")
        source = f"${ENV_VAR}"
        if not key:
            raise InputError(
                f"--pseudonymise needs a key: set ${ENV_VAR} or give --key-file FILE "
                f"(at least {MIN_KEY_BYTES} bytes)"
            )
    if len(key) < MIN_KEY_BYTES:
        what = "is empty" if not key else f"is shorter than {MIN_KEY_BYTES} bytes"
        raise InputError(f"the pseudonymisation key in {source} {what}; use a longer random key")
    return key
