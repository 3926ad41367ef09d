"""A guard for the PySide6 6.12 wheels on Python 3.11.

Those wheels return `None`, `True` and `False` from wrapped C++ calls without taking a
reference (correct only on Python 3.12+, where PEP 683 made them immortal). On 3.11 every
`setText()`, `QTimer.start()` or signal emit then drops one reference the caller never had,
and after a few thousand calls the interpreter aborts with "deallocating None". Giving the
singletons an unreachable reference count is what Python 3.12 does for them anyway.
"""

from __future__ import annotations

import ctypes
import sys

_IMMORTAL = 1 << 40
_done = False


def make_singletons_immortal() -> None:
    """On Python < 3.12, give None, True, False, ... a reference count no leak can exhaust."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False, Ellipsis, NotImplemented):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _IMMORTAL
    _done = True
