"""Values as data between a student's kernel and the grader: tagged JSON, Arrow IPC for tables.

``encode`` turns a value into a JSON-able dict (never pickle): plain Python values as tagged JSON,
pandas Series/DataFrame/Index and numpy arrays as Arrow IPC streams (dtypes, categories and index
kept), matplotlib Axes/Figure as the data of :mod:`parcours.notebook.chart`, functions and modules by name,
anything else as an ``unsupported`` marker. ``decode`` rebuilds the value on the other side; a
payload it cannot read raises :class:`ExchangeError` with a French message. pandas, numpy and
pyarrow are imported only when a value needs them.
"""

from __future__ import annotations

import base64
import math
import sys
import types

MAX_VALUE_BYTES = 20_000_000
MAX_DEPTH = 20
MAX_ITEMS = 200_000


class ExchangeError(ValueError):
    """A payload that cannot be read back (French message)."""


class TooLarge(ExchangeError):
    pass


def _is_pandas(value) -> str | None:
    module = type(value).__module__ or ""
    if not module.startswith("pandas"):
        return None
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    if isinstance(value, pd.DataFrame):
        return "frame"
    if isinstance(value, pd.Series):
        return "series"
    if isinstance(value, pd.Index):
        return "index"
    return None


def _arrow_bytes(frame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=True, nthreads=1)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _b64(data: bytes) -> str:
    if len(data) > MAX_VALUE_BYTES:
        raise TooLarge(f"valeur trop volumineuse ({len(data) // 1_000_000} Mo)")
    return base64.b64encode(data).decode("ascii")


def _encode_pandas(value, kind: str) -> dict:
    import pandas as pd

    if kind == "frame":
        frame = value
        columns = [str(c) for c in value.columns]
        if len(set(columns)) != len(columns):
            raise TooLarge("colonnes en double")
        frame = value.copy(deep=False)
        names = list(value.columns)
        frame.columns = [f"c{i}" for i in range(len(columns))]
        return {
            "t": "frame",
            "arrow": _b64(_arrow_bytes(frame)),
            "columns": encode(names, 1),
        }
    if kind == "series":
        frame = pd.DataFrame({"valeurs": value})
        return {
            "t": "series",
            "arrow": _b64(_arrow_bytes(frame)),
            "name": encode(value.name, 1),
        }
    frame = pd.DataFrame(index=value)
    return {"t": "index", "arrow": _b64(_arrow_bytes(frame))}


def _encode_ndarray(value) -> dict:
    import pandas as pd

    if value.dtype.kind not in "biufcmMUSO":
        raise TooLarge(f"tableau numpy de type {value.dtype} non pris en charge")
    if value.dtype.kind == "c":
        raise TooLarge("nombres complexes non pris en charge")
    flat = value.reshape(-1)
    frame = pd.DataFrame({"v": flat})
    return {
        "t": "ndarray",
        "shape": list(value.shape),
        "dtype": str(value.dtype),
        "arrow": _b64(_arrow_bytes(frame)),
    }


def _is_chart(value) -> bool:
    module = type(value).__module__ or ""
    if not module.startswith("matplotlib"):
        return False
    return hasattr(value, "get_xticklabels") or hasattr(value, "add_subplot")


def encode(value, depth: int = 0) -> dict:
    """The tagged JSON of ``value`` (raises :class:`TooLarge` past the size limits)."""
    if depth > MAX_DEPTH:
        raise TooLarge("structure trop profonde")
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and len(value) > MAX_VALUE_BYTES:
            raise TooLarge("texte trop long")
        return {"t": "v", "v": value if type(value) in (bool, str, type(None)) else str(value)}
    if isinstance(value, int):
        if type(value) is not int:
            value = int(value)
        if abs(value) >= 2**63:
            return {"t": "bigint", "v": str(value)}
        return {"t": "v", "v": value}
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value):
            return {"t": "v", "v": value}
        return {"t": "float", "v": repr(value)}
    kind = _is_pandas(value)
    if kind:
        return _encode_pandas(value, kind)
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return _encode_ndarray(value)
        if isinstance(value, np.generic):
            if isinstance(value, np.bool_):
                return {"t": "np", "dtype": "bool", "v": bool(value)}
            if isinstance(value, np.integer):
                return {"t": "np", "dtype": str(value.dtype), "v": int(value)}
            if isinstance(value, np.floating):
                f = float(value)
                return {
                    "t": "np",
                    "dtype": str(value.dtype),
                    "v": f if math.isfinite(f) else repr(f),
                }
            if isinstance(value, np.datetime64 | np.timedelta64):
                return {"t": "np", "dtype": str(value.dtype), "v": str(value)}
    if isinstance(value, list | tuple | set | frozenset):
        if len(value) > MAX_ITEMS:
            raise TooLarge("liste trop longue")
        items = [encode(v, depth + 1) for v in value]
        tag = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}
        for base, name in tag.items():
            if isinstance(value, base):
                return {"t": name, "v": items}
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise TooLarge("dictionnaire trop grand")
        return {
            "t": "dict",
            "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()],
        }
    if isinstance(value, types.ModuleType):
        return {"t": "module", "name": str(value.__name__)}
    if _is_chart(value):
        from parcours.notebook.chart import describe

        return {"t": "chart", "v": describe(value)}
    if (
        type(value).__name__ == "Timestamp"
        or hasattr(value, "isoformat")
        and hasattr(value, "year")
    ):
        return {"t": "datetime", "type": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
        return {"t": "function", "name": str(getattr(value, "__name__", "?"))}
    return {"t": "unsupported", "type": str(type(value).__name__)}


# Modules a check may use, re-imported in the grader (never the kernel's own objects).
ALLOWED_MODULES = {
    "pandas",
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "math",
    "statistics",
    "datetime",
    "collections",
    "itertools",
    "re",
    "json",
    "random",
    "string",
    "functools",
    "operator",
    "parcours",
    "parcours.data",
    "parcours.notebook.chart",
    "parcours.data.scenario",
    "ipywidgets",
    "seaborn",
}


class Unsupported:
    """A value the kernel could not export: any use fails the check with a French message."""

    def __init__(self, name: str, why: str) -> None:
        object.__setattr__(self, "_why", f"« {name} » ne peut pas être corrigé : {why}.")

    def _fail(self, *args, **kwargs):
        raise AssertionError(object.__getattribute__(self, "_why"))

    def __getattr__(self, attr):
        self._fail()

    __call__ = __iter__ = __len__ = __bool__ = __float__ = __int__ = __str__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __getitem__ = __contains__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _fail
    __rtruediv__ = __abs__ = __neg__ = __index__ = __hash__ = _fail


def _read_arrow(payload: dict):
    import pyarrow as pa

    try:
        data = base64.b64decode(payload["arrow"], validate=True)
        if len(data) > MAX_VALUE_BYTES:
            raise ExchangeError("valeur trop volumineuse")
        with pa.ipc.open_stream(data) as reader:
            return reader.read_all().to_pandas(use_threads=False)
    except ExchangeError:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed stream is the same French answer
        raise ExchangeError(f"données Arrow illisibles ({type(exc).__name__})") from None


def decode(payload, *, name: str = "valeur", call=None, depth: int = 0):
    """The value of a payload made by :func:`encode`; ``call(fname, args, kwargs)`` for functions."""
    if depth > MAX_DEPTH + 2 or not isinstance(payload, dict):
        raise ExchangeError("export mal formé")
    tag = payload.get("t")
    v = payload.get("v")
    sub = lambda p: decode(p, name=name, call=call, depth=depth + 1)  # noqa: E731
    if tag == "v":
        if v is None or type(v) in (bool, int, float, str):
            return v
        raise ExchangeError("export mal formé")
    if tag == "bigint":
        return int(str(v))
    if tag == "float":
        return float(str(v))
    if tag == "np":
        import numpy as np

        dtype = str(payload.get("dtype"))
        if dtype == "bool":
            return np.bool_(bool(v))
        if dtype.startswith(("datetime64", "timedelta64")):
            return (np.datetime64 if dtype[0] == "d" else np.timedelta64)(str(v))
        try:
            return np.dtype(dtype).type(float(v) if isinstance(v, str) else v)
        except TypeError:
            raise ExchangeError("export mal formé") from None
    if tag in ("list", "tuple", "set", "frozenset"):
        if not isinstance(v, list):
            raise ExchangeError("export mal formé")
        items = [sub(x) for x in v]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        if not isinstance(v, list):
            raise ExchangeError("export mal formé")
        return {sub(k): sub(x) for k, x in v}
    if tag == "frame":
        frame = _read_arrow(payload)
        columns = sub(payload.get("columns"))
        if not isinstance(columns, list) or len(columns) != frame.shape[1]:
            raise ExchangeError("export mal formé")
        frame.columns = columns
        return frame
    if tag == "series":
        frame = _read_arrow(payload)
        if "valeurs" not in frame.columns:
            raise ExchangeError("export mal formé")
        series = frame["valeurs"]
        series.name = sub(payload.get("name"))
        return series
    if tag == "index":
        return _read_arrow(payload).index
    if tag == "ndarray":
        frame = _read_arrow(payload)
        import numpy as np

        shape = tuple(int(s) for s in payload.get("shape", []))
        values = frame["v"].to_numpy()
        dtype = np.dtype(str(payload.get("dtype")))
        if dtype.kind not in "OUS":
            values = values.astype(dtype)
        return values.reshape(shape)
    if tag == "datetime":
        import pandas as pd

        return pd.Timestamp(str(v)) if payload.get("type") == "Timestamp" else pd.Timestamp(str(v))
    if tag == "module":
        module = str(payload.get("name"))
        if module in ALLOWED_MODULES:
            import importlib

            return importlib.import_module(module)
        return Unsupported(name, f"le module {module} n'est pas disponible pour la correction")
    if tag == "chart":
        from parcours.notebook.chart import Graphique

        try:
            return Graphique.from_dict(v)
        except Exception:  # noqa: BLE001
            raise ExchangeError("graphique mal formé") from None
    if tag == "function":
        if call is None:
            return Unsupported(name, "une fonction ne peut pas être transmise ici")
        return FunctionProxy(name, call)
    if tag == "unsupported":
        return Unsupported(
            name, f"un objet de type {str(payload.get('type'))[:60]} n'est pas exportable"
        )
    if tag == "error":
        return Unsupported(name, str(payload.get("message", "export impossible"))[:200])
    raise ExchangeError("export mal formé")


class FunctionProxy:
    """A student's function: each call runs it in the kernel on data arguments, returns data."""

    def __init__(self, name: str, call) -> None:
        self.__name__ = name
        self._call = call

    def __call__(self, *args, **kwargs):
        return self._call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<fonction {self.__name__} (exécutée dans le noyau)>"
