"""The only modules that reach inside a third-party library.

Everywhere else the tool uses public APIs. Where a library's internals make a
large audit several times faster, the shortcut lives in one module here, named
after the library, with:

- a check that the internals are there and behave as expected, made once with
  a tiny probe (``FAST``), so a new release that changes them makes the module
  take its fallback instead of writing something wrong;
- a fallback through public APIs only, which gives the same result;
- tests (tests/test_adapters.py) proving that under the pinned versions the
  fast path is the one taken, and that the fallback gives the same result.
"""
