"""A colour model in the window: the map's hover thumbnails, the traversal grid and the samples show RGB items,
and the map of a checkpoint opened before its model loads shows them too."""
import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.factor_toy import train_on_toy_factors
from tests.gui.conftest import settle, show_tab


@pytest.fixture(scope="module")
def colour_path(tmp_path_factory):
    return train_on_toy_factors(tmp_path_factory.mktemp("colour") / "toy-colour.safetensors", epochs=2, colour=True)


@pytest.fixture
def colour_window(window, colour_path, qtbot):
    assert window.open_checkpoint(colour_path)
    settle(qtbot, window, timeout=60_000)
    return window


def is_colour(image: QImage) -> bool:
    """Whether any pixel of ``image`` has unequal red, green and blue."""
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    return any(len({c.red(), c.green(), c.blue()}) > 1 for c in pixels)


def test_items_and_hover_thumbnails_are_rgb(colour_window):
    items = colour_window.session.explorer.items(np.arange(5))
    assert items.shape == (5, 8, 8, 3) and items.dtype == np.uint8
    thumbnail = colour_window.map_panel._preview(int(np.argmax(items.reshape(5, -1).max(1))))
    assert is_colour(thumbnail.toImage())


def test_the_traversal_and_samples_grids_draw_rgb_decodes(colour_window, qtbot):
    for panel in (colour_window.traversal, colour_window.samples):
        show_tab(qtbot, colour_window, panel)
        grid = panel.view.grid
        assert grid.images.ndim == 4 and grid.images.shape[1:] == (8, 8, 3), type(panel).__name__
        assert grid._image.format() == QImage.Format.Format_RGB888


def test_a_colour_file_maps_before_its_model_loads(window, colour_path):
    from explorer.io.preview import read_preview

    meta, preview = read_preview(colour_path)
    window.map_panel.show_file_map(meta, preview)
    index = int(np.argmax(preview.inputs.reshape(len(preview.inputs), -1).max(1)))
    assert is_colour(window.map_panel._preview(index).toImage())
