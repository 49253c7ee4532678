"""A tour of the window to look at: a checkpoint's every tab at 1280x720 and 1400x900 saved as PNGs, and the
labels that show less than their text listed. Run it under a real X server:

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m explorer.gui.tour CHECKPOINT OUT_DIR
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

SIZES = ((1280, 720), (1400, 900))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.gui.tour", description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out", help="the folder the pictures go to")
    args = parser.parse_args(argv)
    from explorer.gui.app import dispose, make_application, wait_for_content
    from explorer.gui.dialogs import HeadlessPrompts
    from explorer.gui.layout_check import cut_labels
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
        cut_anywhere = 0
        for width, height in SIZES:
            window.default_layout((width, height))
            for index in range(window.tabs.count()):
                window.tabs.setCurrentIndex(index)
                wait_for_content(app, window)
                while window.session.busy:
                    app.processEvents()
                name = window.tabs.tabText(index).lower()
                picture = out / f"{width}x{height}-{name}.png"
                window.grab().save(str(picture), "PNG")
                cut = cut_labels(window)
                cut_anywhere += len(cut)
                print(picture, *(f"  cut: {line}" for line in cut), sep="\n")
        return 1 if cut_anywhere else 0
    finally:
        dispose(window)


if __name__ == "__main__":
    sys.exit(main())
