"""Kernel side of the trusted checks: send the values a check needs, as data, to the grader.

The grader imports this module when the kernel starts (before any student cell), so it keeps its
own references to the real builtins and to IPython's display publisher: a submission that rebinds
``builtins``, ``sys.displayhook`` or IPython's display hooks later cannot change how values leave
the kernel, only the values themselves. Everything is sent as one ``display_data`` output of MIME
type :data:`MIME` in reply to the grader's own execute request.
"""

from __future__ import annotations

import json as _json
import sys as _sys

from parcours.notebook import values as _values

try:  # loaded now: later, a submission may have used up its processes/threads or rebound imports
    import pyarrow as _pyarrow  # noqa: F401
    import pyarrow.ipc as _pyarrow_ipc  # noqa: F401
except ImportError:  # pragma: no cover - the grader's environment has pyarrow
    pass

MIME = "application/vnd.parcours.export+json"
MAX_TOTAL_BYTES = 100_000_000

_len, _isinstance, _str, _dict, _list = len, isinstance, str, dict, list
_getframe = _sys._getframe
_encode = _values.encode
_decode = _values.decode
_TooLarge = _values.TooLarge
_sent = [0]
import builtins as _builtins  # noqa: E402

_REAL_BUILTINS = dict(_builtins.__dict__)


class _RealBuiltins:
    """Run the export with the builtins as they were at kernel start, then give the student's back."""

    def __enter__(self):
        self.saved = dict(_builtins.__dict__)
        _builtins.__dict__.update(_REAL_BUILTINS)

    def __exit__(self, *exc):
        _builtins.__dict__.clear()
        _builtins.__dict__.update(self.saved)


def _publisher():
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.display_pub.publish, shell.user_ns
    except Exception:  # noqa: BLE001
        pass
    return None, None


_publish, _user_ns = _publisher()


def _send(message: dict) -> None:
    text = _json.dumps(message)
    _sent[0] += _len(text)
    if _sent[0] > MAX_TOTAL_BYTES:
        message = {"erreur": "Les valeurs exportées dépassent la taille maximale de la copie."}
    if _publish is not None:
        _publish(data={MIME: message}, metadata={})


def _namespace():
    return _user_ns if _user_ns is not None else _getframe(2).f_globals


def _one(value):
    try:
        return _encode(value)
    except _TooLarge as exc:
        return {"t": "error", "message": f"valeur trop volumineuse ou non exportable ({exc})"}
    except Exception as exc:  # noqa: BLE001
        return {"t": "error", "message": f"valeur non exportable ({type(exc).__name__})"}


def export(names, token: str) -> None:
    """Send ``{name: payload}`` for each name the user namespace defines (absent names omitted)."""
    with _RealBuiltins():
        ns = _namespace()
        values = {}
        for name in names:
            if name in ns:
                values[name] = _one(ns[name])
        _send({"jeton": token, "valeurs": values})


def call(name: str, args_payload: dict, token: str) -> None:
    """Call the student's function ``name`` on decoded arguments; send its result as data."""
    ns = _namespace()
    func = ns.get(name)
    if func is None:
        _send({"jeton": token, "erreur": f"La fonction « {name} » n'existe plus."})
        return
    try:
        args = _decode(args_payload["args"])
        kwargs = _decode(args_payload["kwargs"])
    except Exception:  # noqa: BLE001
        _send({"jeton": token, "erreur": "Arguments illisibles."})
        return
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the student's function failed
        _send({"jeton": token, "exception": _str(type(exc).__name__), "message": _str(exc)[:500]})
        return
    with _RealBuiltins():
        _send({"jeton": token, "resultat": _one(result)})
