"""ModelExplorer: everything the app shows about a trained model, computed from a checkpoint.

The GUI and the CLI's export both ask this object for decoded items (uint8 images or sentences, as the model's
domain renders them); neither touches the model's modules. Its jobs beside the items and their decodes live in
their own modules: paths through the latent space (explore_paths), the map (explore_map) and what the code says
about the data (explore_codes).
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from explorer.analysis import latent
from explorer.analysis.explore_codes import CodeSummaries
from explorer.analysis.explore_map import MapOfItems
from explorer.analysis.explore_paths import LatentPaths
from explorer.analysis.preview import stored_map
from explorer.analysis.projection import Projection
from explorer.domains import domain_for
from explorer.domains.decoding import chains
from explorer.errors import ConfigError
from explorer.exploring import default
from explorer.io.checkpoint import Checkpoint
from explorer.io.display import printable
from explorer.models.base import Posterior


class ModelExplorer(LatentPaths, MapOfItems, CodeSummaries):
    has_decoder = True  # an embeddings file's explorer has none (explore_embeddings)

    def __init__(self, checkpoint: Checkpoint):
        if checkpoint.preview is None:
            raise ConfigError("the checkpoint has no preview set to explore")
        self.checkpoint = checkpoint
        self.model = checkpoint.model.eval()
        self.domain = domain_for(checkpoint.dataset)
        self.decode_config = None  # text models: an explorer.domains.decoding.DecodeConfig
        self.language_model = None  # text models: a LanguageModelScorer of the same tokenizer, for lm_weight
        preview = checkpoint.preview
        self.layout = self.model.latent_layout
        self.means = np.asarray(preview.means, dtype=np.float32)  # points: continuous means, then probabilities
        self.logvars = None if preview.logvars is None else np.asarray(preview.logvars, dtype=np.float32)
        self.logits = None if preview.logits is None else np.asarray(preview.logits, dtype=np.float32)
        self.labels = np.asarray(preview.labels, dtype=np.int64)
        self.projection = np.asarray(preview.projection, dtype=np.float32)
        self._fitted_projection: Projection | None = stored_map(preview)
        self.map_method = (preview.map_info or {}).get("method", "pca")  # files before maps at save hold a PCA
        self.map_saved = preview.map_info is not None  # the map on show is the one in the file
        self.preview_explorer: ModelExplorer | None = None  # set on an explorer of the whole dataset: the preview's
        # Every item's KL, computed here (where the explorer is built: off the GUI thread) so that showing an item
        # is reading arrays: ``per_dim`` (N, D) and ``discrete`` (N, m).
        self.item_kl = self._item_kl(np.arange(len(self.means)))
        self._projection_lock = threading.Lock()  # project_new runs in a worker thread while the GUI reads

    # What is loaded
    @property
    def domain_name(self) -> str:
        return self.domain.name

    @property
    def class_names(self) -> list[str]:
        """As shown to a person: control and bidi characters from the file escaped."""
        return [printable(name) for name in self.checkpoint.dataset.get("class_names", [])]

    @property
    def num_classes(self) -> int:
        return self.model.num_classes

    @property
    def conditional(self) -> bool:
        return self.model.conditional

    @property
    def has_kl(self) -> bool:
        return self.model.has_kl

    @property
    def has_prior(self) -> bool:
        return self.model.has_prior

    @property
    def latent_dim(self) -> int:
        return self.model.latent_dim

    @property
    def label(self) -> str:
        return printable(self.checkpoint.label)

    @property
    def continuous_dim(self) -> int:
        """How many continuous dimensions lead the latent vector (the rest are one-hot categorical blocks)."""
        return self.layout.continuous

    @property
    def discrete_sizes(self) -> tuple[int, ...]:
        """The number of categories of each categorical latent variable (empty for most models)."""
        return self.layout.discrete

    def _item_posterior(self, indices) -> tuple[Posterior, torch.Tensor | None]:
        """Preview items' posteriors (on the model's device) and their conditions."""
        device, d = self.model.device, self.continuous_dim
        logits = []
        if self.logits is not None:
            blocks = np.cumsum((0,) + self.discrete_sizes)
            logits = [torch.from_numpy(self.logits[indices, lo:hi]).to(device) for lo, hi in zip(blocks, blocks[1:])]
        logvar = None if self.logvars is None else torch.from_numpy(self.logvars[indices]).to(device)
        cond = self._cond_for(indices)
        return (Posterior(torch.from_numpy(self.means[indices, :d]).to(device), logvar, logits),
                None if cond is None else cond.to(device))

    def _item_kl(self, indices) -> dict[str, np.ndarray]:
        """KL of preview items against the model's own prior (its ``kl_terms``): ``per_dim`` (n, D) and
        ``discrete`` (n, m)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        posterior, cond = self._item_posterior(indices)
        with torch.no_grad():
            kl = self.model.kl_terms(posterior, cond)
        return {name: value.cpu().numpy() for name, value in kl.items()}

    @property
    def kl_per_dim(self) -> np.ndarray:
        """Mean KL(q(z_d|x) || p(z_d)) per continuous dimension over the preview set, in nats, against the model's
        prior."""
        return self.item_kl["per_dim"].mean(0)

    @property
    def kl_discrete(self) -> np.ndarray:
        """Mean KL(q(c_i|x) || uniform) per categorical variable over the preview set, in nats."""
        return self.item_kl["discrete"].mean(0)

    @property
    def dims_by_kl(self) -> list[int]:
        """Continuous dimensions, most KL first."""
        return latent.dims_by_kl(torch.from_numpy(self.kl_per_dim))

    def origin(self) -> np.ndarray:
        """The prior's centre: continuous zeros, and each categorical variable uniform."""
        parts = [np.zeros(self.continuous_dim, dtype=np.float32)]
        parts += [np.full(k, 1.0 / k, dtype=np.float32) for k in self.discrete_sizes]
        return np.concatenate(parts)

    # Items of the preview set
    def items(self, indices):
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        preview = self.checkpoint.preview
        if self.domain_name == "text":
            return [self.domain.item_text(preview.inputs[i], int(preview.lengths[i])) for i in indices]
        return preview.inputs[indices]

    def _cond_for(self, indices) -> torch.Tensor | None:
        if not self.conditional:
            return None
        return torch.as_tensor(self.labels[np.atleast_1d(indices)], dtype=torch.long)

    def reconstruct(self, indices):
        """Decode the posterior means of preview items (with their own labels for a CVAE)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        return self.decode(self.means[indices], self._cond_for(indices))

    def posterior(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The continuous part of an item's posterior: mean, σ and KL per dimension."""
        mean = self.means[index, :self.continuous_dim]
        if self.logvars is None:
            return mean, np.zeros_like(mean), np.zeros_like(mean)
        return mean, np.exp(0.5 * self.logvars[index]), self.item_kl["per_dim"][index]

    def discrete_posterior(self, index: int) -> list[tuple[np.ndarray, float]]:
        """Each categorical variable's probabilities for an item, with its KL against the uniform prior."""
        kl = self.item_kl["discrete"][index]
        return [(self.means[index, block], float(kl[v])) for v, block in enumerate(self._blocks())]

    def _blocks(self) -> list[slice]:
        return [self.layout.block(v) for v in range(len(self.discrete_sizes))]

    def label_of(self, index: int) -> int:
        return int(self.labels[index])

    # Decoding
    def decode(self, z, cond=None):
        z = torch.as_tensor(np.atleast_2d(np.asarray(z, dtype=np.float32)))
        cond = self._broadcast_cond(cond, len(z))
        return self.domain.render(self.model, z, cond, **self._decode_options())

    def _decode_options(self) -> dict:
        options = {} if self.decode_config is None else {"decode": self.decode_config}
        return options if self.language_model is None else {**options, "lm": self.language_model}

    @property
    def chains_paths(self) -> bool:
        """Whether the steps of a path are decoded together (beam search with a path weight)."""
        return self.decode_config is not None and chains(self.decode_config)

    def decode_path(self, path, cond=None):
        """The decodes of a path's latents (steps, D): for a sentence model whose decoding has a path weight, each
        step's sentence chosen to stay close to the step before (``TextDomain.render_path``)."""
        if self.domain_name != "text" or not self.chains_paths:
            return self.decode(path, cond)
        z = torch.as_tensor(np.atleast_2d(np.asarray(path, dtype=np.float32)))
        return self.domain.render_path(self.model, z, **self._decode_options())

    def _broadcast_cond(self, cond, n: int) -> torch.Tensor | None:
        if not self.conditional:
            return None
        if cond is None:
            raise ConfigError("a conditional model needs a class to decode with")
        cond = torch.as_tensor(np.atleast_1d(cond), dtype=torch.long)
        if cond.numel() == 1:
            cond = cond.expand(n)
        if int(cond.min()) < 0 or int(cond.max()) >= self.num_classes:
            raise ConfigError(f"class index out of range: expected 0..{self.num_classes - 1}")
        return cond

    def traversal(self, z0, dims, mode: str = default("traversal_mode"),
                  steps: int = default("traversal_steps"), k: float = default("traversal_k"), cond=None):
        """Decode each continuous dim in ``dims`` swept over ``steps`` values; returns (items row-major by dim,
        values)."""
        z0 = torch.as_tensor(np.asarray(z0, dtype=np.float32))
        values = []
        for dim in dims:
            self._check_dim(dim)
            data_values = torch.from_numpy(self.means[:, dim]) if mode == "data" else None
            center = 0.0 if mode == "quantiles" else float(z0[dim]) if mode == "sigma" else 0.0
            values.append(latent.traversal_values(mode, steps, k=k, data_values=data_values, center=center))
        grid = latent.traversal_grid(z0, list(dims), values)
        return self.decode(grid.numpy(), cond), torch.stack(values).numpy()

    def _check_dim(self, dim: int) -> None:
        if not 0 <= int(dim) < self.continuous_dim:
            where = " (the rest are categorical variables)" if self.discrete_sizes else ""
            raise ConfigError(f"dimension {dim} is not a continuous dimension: expected 0..{self.continuous_dim - 1}"
                              + where)

    # New inputs
    def encode_items(self, items, cond=None) -> np.ndarray:
        """Posterior means of new inputs: uint8 images (n, H, W) or sentences."""
        with torch.no_grad():
            if self.domain_name == "text":
                x, lengths = self.domain.encode_sentences(list(items))
                posterior = self.model.encode(x.to(self.model.device), None, lengths.to(self.model.device))
            else:
                x = self.domain.to_input(np.asarray(items))
                cond_t = self._broadcast_cond(cond, len(x))
                posterior = self.model.encode(x.to(self.model.device),
                                              None if cond_t is None else cond_t.to(self.model.device))
        return posterior.point().cpu().numpy()

    def nearest(self, mean, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k preview items whose posterior means are closest (Euclidean) to ``mean``: (indices, distances)."""
        distances = np.linalg.norm(self.means - np.asarray(mean, dtype=np.float32), axis=1)
        order = np.argsort(distances, kind="stable")[:k]
        return order, distances[order]

    @property
    def stds(self) -> np.ndarray | None:
        """The preview items' posterior σ per continuous dimension; None for a deterministic encoder."""
        return None if self.logvars is None else np.exp(0.5 * self.logvars)

    def same_items(self, other: ModelExplorer | None) -> bool:
        """Whether ``other`` explores the same preview items in the same order (two models of one dataset and
        split), so an item index means the same item in both."""
        if other is None:
            return False
        mine, theirs = self.checkpoint.preview, other.checkpoint.preview
        return (mine.inputs.shape == theirs.inputs.shape and np.array_equal(mine.inputs, theirs.inputs)
                and (mine.lengths is None) == (theirs.lengths is None)
                and (mine.lengths is None or np.array_equal(mine.lengths, theirs.lengths)))
