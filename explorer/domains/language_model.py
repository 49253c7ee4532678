"""A language model (kind ``lm``, the sentence decoder with no latent) as a scorer of sentences: the log-probability
of token ids for re-scoring beam candidates, and the per-word NLL of plain texts for fluency. Its checkpoints are
found and opened by ``explorer.analysis.language_model_files``."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.data.tokenizers import TextTokenizer, same_tokenizer, words
from explorer.errors import ConfigError
from explorer.models.base import Batch, LatentModel

BATCH = 500


@dataclass
class LanguageModelScorer:
    model: LatentModel
    tokenizer: TextTokenizer
    dataset: dict  # the checkpoint's dataset description
    name: str

    def check_reads_like(self, dataset: dict, model_name: str) -> None:
        """Re-scoring a model's token ids needs this language model to read the same tokens."""
        if not same_tokenizer(self.dataset, dataset):
            raise ConfigError(f"the language model {self.name} reads another tokenizer than {model_name}: "
                              "re-scoring needs a language model trained with the same vocabulary")

    @torch.no_grad()
    def log_probs(self, sentences: list[list[int]]) -> torch.Tensor:
        """log p(sentence) of each list of token ids (without <bos>/<eos>), its end included, on the CPU."""
        out = []
        for start in range(0, len(sentences), BATCH):
            part = [ids[: self.model.max_len] for ids in sentences[start:start + BATCH]]
            lengths = torch.tensor([len(ids) for ids in part], dtype=torch.long)
            x = torch.zeros(len(part), max(1, int(lengths.max())), dtype=torch.long)
            for i, ids in enumerate(part):
                x[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            batch = Batch(x, None, lengths).to(self.model.device)
            out.append(self.model.log_likelihood(batch, torch.zeros(len(part), 0, device=self.model.device)).cpu())
        return torch.cat(out) if out else torch.zeros(0)

    def nll_per_word(self, texts: list[str]) -> float:
        """The NLL of plain texts, read with this model's own tokenizer, per word (each text's end counted as a
        word, as perplexities are): comparable across tokenizers."""
        nll = -self.log_probs([self.tokenizer.encode(text) for text in texts])
        return float(nll.sum()) / sum(len(words(text)) + 1 for text in texts)
