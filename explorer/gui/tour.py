"""A tour of the window to look at: a checkpoint's every screen (each tab, and the traversal of all dimensions) at
1280x720 and 1400x900 saved as PNGs, and what explorer.gui.layout_check finds on each (cut or overlapping text,
widgets out of their parents, cramped plots). Run it under a real X server:

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m explorer.gui.tour CHECKPOINT OUT_DIR
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

SIZES = ((1280, 720), (1400, 900))


def screens(window) -> Iterator[str]:
    """Show each screen of the tour in turn, yielding its name while it is shown (the caller waits for its
    content): every tab the open model has, and after the Traversal tab its grid of all dimensions."""
    tabs = window.tabs
    for index in range(tabs.count()):
        if not tabs.isTabVisible(index):
            continue
        tabs.setCurrentIndex(index)
        yield tabs.tabText(index).lower()
        if tabs.widget(index) is window.traversal:
            window.traversal.all_dims.setChecked(True)
            yield "traversal-all-dimensions"
            window.traversal.all_dims.setChecked(False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.gui.tour", description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out", help="the folder the pictures go to")
    args = parser.parse_args(argv)
    from explorer.gui.app import dispose, make_application, wait_for_content
    from explorer.gui.dialogs import HeadlessPrompts
    from explorer.gui.layout_check import problems
    from explorer.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow(prompts=HeadlessPrompts())
    window.remember_layout = False
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        window.show()
        if not window.open_checkpoint(args.checkpoint):
            return 2
        found_anywhere = 0
        for width, height in SIZES:
            window.default_layout((width, height))
            for name in screens(window):
                wait_for_content(app, window)
                while window.session.busy:
                    app.processEvents()
                picture = out / f"{width}x{height}-{name}.png"
                window.grab().save(str(picture), "PNG")
                found = problems(window)
                found_anywhere += len(found)
                print(picture, *(f"  {line}" for line in found), sep="\n")
        return 1 if found_anywhere else 0
    finally:
        dispose(window)


if __name__ == "__main__":
    sys.exit(main())
