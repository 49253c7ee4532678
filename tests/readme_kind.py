"""The model kind the README's developer section shows, registered from the README's own code for a test and
unregistered afterwards, so the README stays true."""
import contextlib
import re
import sys
import types
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
KIND = "linear-vae"


def readme_code() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- new-kind:begin -->", 1)[1].split("<!-- new-kind:end -->", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@contextlib.contextmanager
def readme_kind():
    """Register the README's kind (as the module explorer.models.linear) for the duration of the block."""
    from explorer.models import registry

    module = types.ModuleType("explorer.models.linear")
    sys.modules[module.__name__] = module
    try:
        exec(compile(readme_code(), str(README), "exec"), module.__dict__)
        yield module
    finally:
        registry.unregister_kind(KIND)
        sys.modules.pop(module.__name__, None)
