"""The class a pickle file would build, read from its opcodes without unpickling it (nothing is imported, nothing
runs). cloudpickle stores a class either by reference (module and name) or by value (a skeleton class given its
name, then its ``__module__``); both are recognised."""
from __future__ import annotations

import pickletools

from explorer.errors import CheckpointError

STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
PLUMBING = ("builtins.", "copyreg.", "cloudpickle.", "collections.", "_codecs.", "torch._utils.")
SKELETON = "cloudpickle.cloudpickle._make_skeleton_class"
MAX_OPCODES = 2_000_000


def pickled_class(data: bytes, where: str) -> str:
    """"module.Class" of the object a pickle builds; CheckpointError when ``data`` is not a pickle."""
    strings: list[str] = []
    skeleton = expect_name = False
    name = module = None
    try:
        for count, (op, arg, _) in enumerate(pickletools.genops(data)):
            if count > MAX_OPCODES:
                break
            if op.name in STRING_OPS:
                if expect_name:
                    name, expect_name = str(arg), False
                elif strings and strings[-1] == "__module__" and name and module is None:
                    module = str(arg)
                strings.append(str(arg))
                continue
            if op.name not in ("GLOBAL", "STACK_GLOBAL"):
                continue
            found = ".".join(strings[-2:]) if op.name == "STACK_GLOBAL" else str(arg).replace(" ", ".")
            if found == SKELETON:
                skeleton = True
            elif skeleton and found == "builtins.type" and name is None:
                expect_name = True
            elif not skeleton and not found.startswith(PLUMBING):
                return found
    except (ValueError, EOFError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{where} is not a pickle file ({str(exc)[:100]})") from None
    if name is None:
        raise CheckpointError(f"{where}: no class could be read from it")
    return f"{module}.{name}" if module else name
