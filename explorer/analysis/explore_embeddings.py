"""EmbeddingsExplorer: the points of an embeddings file (read by explorer.importers.embeddings) on the map, as a
ModelExplorer shows its preview set, with no model behind them: the map (the file's own x, y, else a PCA at once
and the window's UMAP in the background), labels, factors, hover and selection, and the map's exports. Nothing
decodes: ``has_decoder`` is False, and the window's decoding panels say so instead of asking."""
from __future__ import annotations

import threading

import numpy as np

from explorer.analysis import captions
from explorer.analysis.explore_codes import ItemFactors
from explorer.analysis.explore_map import MapOfItems
from explorer.analysis.preview import SNAPSHOT_METHOD, preview_map
from explorer.io.checkpoint import Checkpoint
from explorer.io.display import printable
from explorer.io.map_meta import FILE_MAP
from explorer.io.preview import Preview

DOMAIN = "embeddings"
NO_DECODER = ("{name} holds embeddings only: there is no model to decode them, so nothing here can be "
              "reconstructed, traversed, interpolated, sampled or added. The map shows its points: hover, "
              "select, colour by label and export it (File ▸ Export).")


class EmbeddingsExplorer(MapOfItems, ItemFactors):
    has_decoder = False
    domain_name = DOMAIN
    conditional = False
    preview_explorer = None  # never the whole dataset's: the file is all there is
    stds = None

    def __init__(self, embeddings, label: str):
        """``embeddings``: an explorer.importers.embeddings.Embeddings, checked; ``label``: what it is called."""
        self.embeddings = embeddings
        self.means, self.labels = embeddings.vectors, embeddings.labels
        rows = len(self.means)
        table = None if embeddings.factors is None else [
            {"name": name, "values": [float(v) for v in range(int(column.max()) + 1)]}
            for name, column in zip(embeddings.factor_names, embeddings.factors.T)]
        dataset = {"id": label, "domain": DOMAIN, "shape": [self.means.shape[1]],
                   "class_names": embeddings.class_names, **({"factors": table} if table else {})}
        given = embeddings.points is not None
        # A preview set without a model: what the map reads (its items are the thumbnails, where the file has them)
        preview = Preview(inputs=np.zeros((rows, 0), np.uint8) if embeddings.images is None else embeddings.images,
                          labels=self.labels, means=self.means, logvars=None,
                          projection=embeddings.points if given else np.zeros((rows, 2), np.float32),
                          map_info={"method": FILE_MAP, "params": {}, "seed": 0, "head": None, "r2": None}
                          if given else None, factors=embeddings.factors)
        self.checkpoint = Checkpoint(model=None, meta={"label": label, "dataset": dataset, "history": [],
                                                       "metrics": {}}, preview=preview)
        self._projection_lock = threading.Lock()
        self._fitted_projection = None
        if given:
            self.projection, self.map_method, self.map_saved = embeddings.points, FILE_MAP, True
        else:
            self.set_projection(preview_map(self.means, SNAPSHOT_METHOD))

    @property
    def label(self) -> str:
        return printable(self.checkpoint.label)

    @property
    def class_names(self) -> list[str]:
        return [printable(name) for name in self.embeddings.class_names]

    @property
    def latent_dim(self) -> int:
        """The vectors' width (shown as the model's latent size is)."""
        return self.means.shape[1]

    def items(self, indices):
        """The points' thumbnails (uint8 images), else their texts, else their captions (#index · class)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        if self.embeddings.images is not None:
            return self.embeddings.images[indices]
        if self.embeddings.texts is not None:
            return [self.embeddings.texts[i] for i in indices]
        return [captions.item(int(i), int(self.labels[i]), self.class_names) for i in indices]

    def no_decoder_note(self) -> str:
        return NO_DECODER.format(name=self.label)
