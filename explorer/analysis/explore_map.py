"""The map of a ModelExplorer's items: the one on show, the one in the file, and placing new latents on it."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from explorer.analysis.preview import set_map, stored_map
from explorer.analysis.projection import Projection
from explorer.io.checkpoint import Checkpoint

if TYPE_CHECKING:
    from explorer.analysis.explore import ModelExplorer


class MapOfItems:
    # The map
    @property
    def map_in_file(self) -> bool:
        """Whether the checkpoint's preview holds a map (files written before maps were computed at save do
        not)."""
        return self.checkpoint.preview.map_info is not None

    @property
    def map_r2(self) -> float | None:
        """The R² of the map head on held-out latents, where the map has a head."""
        projection = self._fitted_projection
        return None if projection is None else projection.r2

    def set_projection(self, projection: Projection) -> None:
        """Show a map computed here."""
        with self._projection_lock:
            self._fitted_projection = projection
            self.projection = np.asarray(projection.points, dtype=np.float32)
            self.map_method = projection.method
            self.map_saved = False

    def restore_stored_map(self) -> None:
        """Show the map the file carries again."""
        preview = self.checkpoint.preview
        with self._projection_lock:
            self._fitted_projection = stored_map(preview)
            self.projection = np.asarray(preview.projection, dtype=np.float32)
            self.map_method = preview.map_info["method"]
            self.map_saved = True

    @property
    def checkpoint_to_save(self) -> Checkpoint:
        """What saving writes: the checkpoint with its preview set (never the whole dataset mapped here)."""
        return self.checkpoint if self.preview_explorer is None else self.preview_explorer.checkpoint_to_save

    def adopt_map_of(self, other: ModelExplorer) -> None:
        """Place new latents as ``other``'s map does (this explorer's points were placed on that map)."""
        with self._projection_lock:
            self._fitted_projection = other._fitted_projection
            self.map_method, self.map_saved = other.map_method, other.map_saved

    def keep_map(self) -> None:
        """Put the map on show into the checkpoint's preview (points, method, head), so saving writes it."""
        with self._projection_lock:
            if self._fitted_projection is not None:
                set_map(self.checkpoint.preview, self._fitted_projection)
                self.map_saved = True

    def project_new(self, means) -> np.ndarray:
        """Place new latents on the map: by the map head of a UMAP or t-SNE map, by the linear transform of a PCA
        map (refitted here the first time), or as they are when a 2-D latent is its own map."""
        with self._projection_lock:
            if self._fitted_projection is None:
                from explorer.analysis.projection import project

                self._fitted_projection = project(self.means, "latent" if self.means.shape[1] == 2 else "pca")
            projection = self._fitted_projection
        return projection.transform(np.atleast_2d(means))
