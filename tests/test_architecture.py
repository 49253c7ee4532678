"""House rules checked on every run: the import contracts (the core never imports Qt; each package imports only
the packages below it; the ground floor imports none), and the preview reader and the window stay torch-free so the
map draws before torch has loaded."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_preview_reader_imports_no_torch():
    code = ("import sys, explorer.io.preview\n"
            "print(sorted(m for m in ('torch', 'sklearn', 'PySide6') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_window_imports_no_torch_before_a_model_loads():
    """Torch loads in the worker that opens the model, while the map of the preview is drawn."""
    code = ("import sys, explorer.gui.app, explorer.gui.main_window\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stdout + result.stderr
