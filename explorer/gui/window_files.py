"""The main window's work with files: saving the open model (a shipped one stays read-only) and the map computed
for it, and placing a new input (an image file, a sentence) on the map. A mixin of MainWindow."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from explorer.errors import ExplorerError
from explorer.gui import settings
from explorer.gui.model_paths import checkpoint_name, is_checkpoint_file

CHECKPOINT_FILTER = "Checkpoints (*.safetensors)"


def image_to_array(image: QImage, shape: tuple[int, ...]) -> np.ndarray:
    """A QImage as uint8 in the model's item shape: (H, W) grey or (H, W, 3) colour, resized to fit."""
    height, width = shape[0], shape[1]
    colour = len(shape) == 3
    image = image.convertToFormat(QImage.Format.Format_RGB888 if colour else QImage.Format.Format_Grayscale8)
    image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    pixels = rows[:, :width * (3 if colour else 1)]
    return (pixels.reshape(height, width, 3) if colour else pixels).copy()


class WindowFiles:
    @property
    def read_only(self) -> bool:
        """A shipped model is never overwritten: Save asks for a new file."""
        return self.session.path is not None and settings.is_shipped(self.session.path)

    def save(self) -> None:
        if self.session.path and is_checkpoint_file(self.session.path) and not self.read_only:
            self._save_to(self.session.path)
        else:
            self.save_as()

    def save_as(self) -> None:
        if not self.session.has_model:
            return
        default = Path(settings.last_folder()) / checkpoint_name(self.session.path)
        path = self.prompts.save_path("Save checkpoint", str(default), CHECKPOINT_FILTER)
        if path:
            self._save_to(path)

    def _save_to(self, path: str) -> None:
        from explorer.io.checkpoint import save_checkpoint

        if settings.is_shipped(path):
            self.prompts.error("Could not save", f"{path}\n\nis a shipped model, kept read-only: save the model "
                                                 "under another name or in another folder")
            return
        checkpoint = self.session.explorer.checkpoint_to_save
        try:
            written = save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview,
                                      checkpoint.optimizer_state)
        except (ExplorerError, OSError) as error:
            self.prompts.error("Could not save", f"{path}\n\n{error}")
            return
        self.session.path = str(written)
        settings.add_recent_file(str(Path(written).resolve()))
        self.model_panel.refresh()
        self._update_title()
        self.statusBar().showMessage(f"Saved {written}", 10_000)

    def save_map_in_file(self) -> None:
        """Save the map computed here into the open model's file (one saved before maps were computed at save);
        a read-only file is left untouched and the map stays for this session."""
        from explorer.analysis.map_file import refuse_read_only, save_with_map

        explorer, path = self.session.explorer.preview_explorer or self.session.explorer, self.session.path
        if not is_checkpoint_file(path):  # a model from elsewhere has no file of ours yet: it gets one
            explorer.keep_map()
            self.save_as()
            return
        try:
            if self.read_only:
                raise ExplorerError(f"{path} is a shipped model, kept read-only: the map was not saved into it")
            refuse_read_only(path)
            explorer.keep_map()
            save_with_map(explorer.checkpoint, path)
        except (ExplorerError, OSError) as error:
            self.prompts.error("Could not save the map", f"{error}\n\nThe map stays on screen for this session; "
                                                         "File > Save As… keeps a copy of the model with it.")
            return
        self.map_panel.map_saved()
        self.statusBar().showMessage(f"Saved the map into {path}", 10_000)

    def place_input_dialog(self) -> None:
        if self.session.explorer.domain_name == "text":
            sentence = self.prompts.ask_text("Place a sentence on the map", "Sentence:")
            if sentence:
                self.place_items([sentence], f"“{sentence}”")
            return
        path = self.prompts.open_path("Place an image on the map", settings.last_folder(),
                                      "Images (*.png *.jpg *.jpeg *.bmp)")
        if path:
            self.place_image(path)

    def place_image(self, path: str) -> None:
        """Encode an image file (resized to the model's input) and mark it on the map."""
        image = QImage(path)
        if image.isNull():
            self.prompts.error("Could not read the image", f"{path}\n\nnot an image file Qt can read")
            return
        item = image_to_array(image, self.session.explorer.items([0]).shape[1:])
        self.place_items(item[None], Path(path).name)

    def place_items(self, items, name: str) -> None:
        """Encode new inputs and mark them on the map with the map's own projection (in a worker)."""
        self.map_panel.place_items(items, name)

    def _on_placed(self, name: str, points: np.ndarray) -> None:
        self.statusBar().showMessage(f"Placed {name} at ({points[0, 0]:.2f}, {points[0, 1]:.2f})", 10_000)
