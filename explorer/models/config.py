"""Model configs, torch-free: one pydantic class per kind, named by the kind's model class, holding every
constructor setting with its type, bounds and default, and the kind's declaration (``KindInfo``: its id, domain,
names, capabilities and where its model class lives). A received checkpoint's config is validated by its class
before anything is built; a new run's config is made by ``for_data`` from the dataset and the user's settings.
Fields carrying a ``Setting`` are the kind's CLI flags and form fields (``explorer.models.settings``).

This module holds the base and the image kinds; ``explorer.models.text_config`` the sentence kinds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationError, model_validator

from explorer.errors import ConfigError
from explorer.fields import Int, Name, Real, Section, Setting, Sizes, Steps, describe_error
from explorer.limits import (
    MAX_CHANNELS,
    MAX_CLASSES,
    MAX_CONV_BLOCKS,
    MAX_DISCRETE_VARIABLES,
    MAX_IMAGE_SIDE,
    MAX_LATENT_DIM,
)
from explorer.metric_catalog import Metric
from explorer.models.settings import options_of

ARCHS = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")
NOISE_TYPES = ("gaussian", "masking")
PRIORS = ("gaussian", "mixture", "swiss-roll")
SPARSITY = ("l1", "kl")
MIXTURE_COMPONENTS = 10  # an adversarial AE's mixture prior without --label-prior
MAX_PROJECTIONS = 64

LATENT_SIZE = Setting("Number of latent dimensions (auto: 8 for 8x8 images, 20 for larger ones, 32 for sentences).",
                      label="Latent size", auto=True)
DISCRIMINATOR_LAYERS = Setting("Adversarial autoencoders: the discriminator's hidden layer sizes (auto: 256,256 for "
                               "images, 256 for sentences).", label="Discriminator layers", group="advanced",
                               auto=True)


@dataclass(frozen=True)
class KindInfo:
    """What a model kind is: its id (``--model``), its data domain, how the app names and describes it, what it
    can do, and the model class that implements it ("module:Class", imported when a model is built)."""

    kind: str
    domain: str
    display_name: str
    description: str
    model: str
    has_kl: bool = True  # a stochastic encoder whose KL against the prior is trained and shown
    has_prior: bool = True  # a prior to sample from (False: a plain autoencoder)
    metrics: tuple[Metric, ...] = field(default=())  # the figures only this kind reports (``extra_metrics``)


class ModelConfig(Section):
    info: ClassVar[KindInfo]
    legacy: ClassVar[dict] = {}  # what a field absent from a file written by an earlier version means

    kind: Name
    latent_dim: Int(0, MAX_LATENT_DIM)
    num_classes: Int(0, MAX_CLASSES) = 0

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data):
        if isinstance(data, dict) and cls.legacy:
            return {**{key: value for key, value in cls.legacy.items() if key not in data}, **data}
        return data

    @model_validator(mode="after")
    def _kind(self):
        if self.kind != self.info.kind:
            raise ValueError(f"kind {self.kind!r} is validated as {self.info.kind!r}")
        return self

    @property
    def domain(self) -> str:
        return self.info.domain

    def latent_layout(self) -> tuple[int, tuple[int, ...]]:
        """(continuous dims, categorical sizes) of the latent vector: the preview arrays' widths follow it."""
        return self.latent_dim, ()

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        """The values a dataset decides (``Dataset.describe()``): shapes, sizes, and the auto settings."""
        raise NotImplementedError

    @classmethod
    def for_data(cls, data: dict, settings: dict | None = None) -> dict:
        """A complete, validated config for a dataset and the user's settings (None: the default or auto; a
        setting this kind does not have is not its business); ConfigError names what does not fit."""
        values = {name: field.get_default(call_default_factory=True) for name, field in cls.model_fields.items()
                  if not field.is_required()}
        values.update(cls.data_defaults(data))
        own = {option.name for option in options_of(cls)}
        values.update({key: value for key, value in (settings or {}).items() if value is not None and key in own})
        values["kind"] = cls.info.kind
        try:
            values = cls.complete(values)
            return cls.model_validate(values).model_dump(exclude_none=True)
        except ValidationError as exc:
            raise ConfigError(f"model {cls.info.kind!r}: {describe_error(exc, values, noun='setting')}") from None
        except ValueError as exc:
            raise ConfigError(f"model {cls.info.kind!r}: {exc}") from None

    @classmethod
    def complete(cls, values: dict) -> dict:
        """Values that follow from the others (a kind's derived fields); the base has none."""
        return values


class ImageModelConfig(ModelConfig):
    latent_dim: Annotated[Int(1, MAX_LATENT_DIM), LATENT_SIZE]
    arch: Annotated[Literal[ARCHS], Setting("Encoder/decoder architecture: fully connected (mlp) or "
                                            "convolutional.", label="Architecture")] = "mlp"
    input_shape: Annotated[list[Int(1, MAX_IMAGE_SIDE)], Field(min_length=3, max_length=3)]
    hidden: Annotated[Sizes(), Setting("Hidden layer sizes, comma separated (auto: 128 for 8x8 images, 400 for "
                                       "larger ones; the last one for conv).", label="Hidden sizes", auto=True,
                                       group="advanced")]
    channels: Annotated[Sizes(max_items=MAX_CONV_BLOCKS), Setting(
        "Convolution channels per stride-2 layer (auto: 16,32 for 8x8 images, 32,64 for larger ones).",
        label="Conv channels", auto=True, group="advanced")]
    likelihood: Annotated[Literal[LIKELIHOODS], Setting(
        "Pixel likelihood: Bernoulli (binary cross-entropy) or Gaussian with a learned scale.",
        label="Pixel likelihood", group="advanced")] = "bernoulli"

    @model_validator(mode="after")
    def _channels(self):
        if self.input_shape[0] > MAX_CHANNELS:
            raise ValueError(f"input_shape has {self.input_shape[0]} channels, above the limit of {MAX_CHANNELS}")
        return self

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        """Sized to the input: an MLP of 400 for 28x28 (the PyTorch example), 128 for 8x8."""
        channels, height, width = (int(v) for v in data["shape"])
        small = height * width <= 256
        return {"input_shape": [channels, height, width], "latent_dim": 8 if small else 20,
                "hidden": [128] if small else [400], "channels": [16, 32] if small else [32, 64]}


def _image_kind(kind: str, name: str, description: str, model: str, **capabilities) -> KindInfo:
    return KindInfo(kind, "image", name, description, model, **capabilities)


class AutoEncoderConfig(ImageModelConfig):
    info = _image_kind("ae", "AE", "A plain autoencoder: the baseline whose latent space gives garbage when sampled "
                       "from N(0, I).", "explorer.models.image:AutoEncoder", has_kl=False, has_prior=False)


class DenoisingAutoEncoderConfig(ImageModelConfig):
    info = _image_kind("dae", "Denoising AE", "An autoencoder that reconstructs clean images from corrupted ones.",
                       "explorer.models.image:DenoisingAutoEncoder", has_kl=False, has_prior=False)
    noise: Annotated[Real(0.0, 10.0), Setting("Denoising AE: the std of Gaussian input noise, or the probability "
                                              "of zeroing a pixel for masking noise.", label="Input noise")] = 0.3
    noise_type: Annotated[Literal[NOISE_TYPES], Setting("Denoising AE: additive Gaussian noise or masking noise.",
                                                        label="Noise type", group="advanced")] = "gaussian"

    @model_validator(mode="after")
    def _noise(self):
        if self.noise_type == "masking" and self.noise >= 1:
            raise ValueError(f"masking noise drops a pixel with probability noise, which must be below 1, got "
                             f"{self.noise:g}")
        return self


class VAEConfig(ImageModelConfig):
    info = _image_kind("vae", "VAE", "Kingma & Welling's VAE; with β or a capacity target it is a β-VAE.",
                       "explorer.models.image:VAE")


class CVAEConfig(ImageModelConfig):
    info = _image_kind("cvae", "CVAE", "Sohn et al.'s conditional VAE: the label feeds encoder and decoder.",
                       "explorer.models.image:CVAE")
    learned_prior: Annotated[bool, Setting("CVAE: learn the prior p(z|c) per class instead of N(0, I).",
                                           label="Learned prior p(z|c)")] = False

    @model_validator(mode="after")
    def _classes(self):
        if self.num_classes < 2:
            raise ValueError("a CVAE needs a labelled dataset with at least 2 classes")
        return self

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        return {**super().data_defaults(data), "num_classes": len(data.get("class_names", []))}


class JointVAEConfig(ImageModelConfig):
    info = _image_kind("joint-vae", "JointVAE", "Dupont's JointVAE: continuous dimensions and categorical "
                       "variables, each KL with its capacity.", "explorer.models.joint:JointVAE")
    discrete: Annotated[Sizes(2, MAX_CLASSES, MAX_DISCRETE_VARIABLES), Setting(
        "JointVAE: the number of categories of each categorical latent variable (--discrete 10 for one 10-way "
        "variable; --discrete 10,3 or --discrete 10 --discrete 3 for two).", label="Categorical variables",
        repeatable=True)] = [10]
    gumbel_temperature: Annotated[Real(0.01, 10.0), Setting(
        "JointVAE: the Gumbel-softmax temperature τ of the relaxed categories in training (Dupont used 0.67): lower "
        "is closer to one-hot, with noisier gradients.", label="Gumbel temperature τ")] = 0.67
    gumbel_anneal_steps: Annotated[Steps, Setting(
        "JointVAE: anneal τ geometrically from 1 down to the temperature over this many steps (0: fixed).",
        label="τ annealing steps", group="advanced")] = 0
    balance_weight: Annotated[Real(0.0, 1e4), Setting(
        "JointVAE: the weight of a batch-balance term KL(mean over the batch of q(c|x) ‖ uniform) added to the "
        "loss, which keeps every category in use (0: off).", label="Batch-balance weight")] = 0.0
    invariance_weight: Annotated[Real(0.0, 1e4), Setting(
        "JointVAE: the weight of an invariance term KL(q(c|x) ‖ q(c|T(x))) added to the loss, T a small random "
        "shift, rotation and scaling of each image, which keeps a category about what an image shows rather "
        "than its pose (0: off).", label="Invariance weight")] = 0.0

    def latent_layout(self) -> tuple[int, tuple[int, ...]]:
        return self.latent_dim, tuple(self.discrete)

    @model_validator(mode="after")
    def _width(self):
        if self.latent_dim + sum(self.discrete) > MAX_LATENT_DIM:
            raise ValueError(f"the latent vector is {self.latent_dim + sum(self.discrete)} wide, above the limit of "
                             f"{MAX_LATENT_DIM}")
        return self


class AdversarialAutoEncoderConfig(ImageModelConfig):
    info = _image_kind("aae", "Adversarial AE", "Makhzani's adversarial autoencoder: a discriminator drives the "
                       "codes towards a chosen prior.", "explorer.models.adversarial:AdversarialAutoEncoder",
                       has_kl=False, metrics=(Metric("component_fit", "codes in their label's component"),))
    prior: Annotated[Literal[PRIORS], Setting(
        "Adversarial AE: the prior the codes are driven to: a standard Gaussian, a mixture of Gaussians (petals "
        "around the origin) or a swiss roll.", label="Prior")] = "gaussian"
    label_prior: Annotated[bool, Setting(
        "Adversarial AE: the discriminator also sees the one-hot label and each item's prior sample comes from its "
        "label's component (mixture or swiss roll).", label="Label picks the component")] = False
    components: Int(0, MAX_CLASSES) = 0
    discriminator_hidden: Annotated[Sizes(), DISCRIMINATOR_LAYERS] = [256, 256]
    adversarial_lr_scale: Annotated[Real(1e-4, 100.0), Setting(
        "Adversarial AE: the discriminator's and the generator's learning rate, as a fraction of the "
        "reconstruction's.", label="Adversarial lr scale", group="advanced")] = 0.5

    @model_validator(mode="after")
    def _prior(self):
        if self.prior != "gaussian" and self.latent_dim < 2:
            raise ValueError(f"the {self.prior} prior lives in two dimensions: the code needs latent_dim >= 2")
        if self.prior == "gaussian" and (self.label_prior or self.components):
            raise ValueError("a Gaussian prior has no components for a label to pick: use --prior mixture or "
                             "swiss-roll")
        if self.prior != "gaussian" and self.components < 2:
            raise ValueError(f"the {self.prior} prior needs at least 2 components, got {self.components}")
        return self

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        return {**super().data_defaults(data), "classes": len(data.get("class_names", []))}

    @classmethod
    def complete(cls, values: dict) -> dict:
        classes = values.pop("classes")
        if values["label_prior"] and classes < 2:
            raise ValueError("--label-prior needs a labelled dataset with at least 2 classes")
        values["components"] = 0 if values["prior"] == "gaussian" else (
            classes if values["label_prior"] else MIXTURE_COMPONENTS)
        return values


class SparseAutoEncoderConfig(ImageModelConfig):
    info = _image_kind("sparse-ae", "Sparse AE", "An autoencoder whose code is kept sparse by an L1 or a KL "
                       "penalty on its activations.", "explorer.models.regularized:SparseAutoEncoder",
                       has_kl=False, has_prior=False)
    sparsity: Annotated[Literal[SPARSITY], Setting(
        "Sparse AE: an L1 penalty on a ReLU code, or the KL between a target activation ρ and each sigmoid unit's "
        "mean activation.", label="Sparsity penalty")] = "l1"
    sparsity_weight: Annotated[Real(0.0, 1e6), Setting("Sparse AE: the penalty's weight (auto: 0.1 for l1, 1 for "
                                                       "kl).", label="Sparsity weight", auto=True)] = None
    sparsity_target: Annotated[Real(1e-4, 0.9999), Setting(
        "Sparse AE with kl: the target mean activation ρ of each unit.", label="Target activation ρ")] = 0.05

    @classmethod
    def complete(cls, values: dict) -> dict:
        if values.get("sparsity_weight") is None:
            values["sparsity_weight"] = 0.1 if values["sparsity"] == "l1" else 1.0
        return values


class ContractiveAutoEncoderConfig(ImageModelConfig):
    info = _image_kind("contractive-ae", "Contractive AE", "Rifai's contractive autoencoder: the encoder's Jacobian "
                       "norm is penalised.", "explorer.models.regularized:ContractiveAutoEncoder",
                       has_kl=False, has_prior=False)
    contractive_weight: Annotated[Real(0.0, 1e6), Setting("Contractive AE: the weight λ of ‖∂h/∂x‖²_F.",
                                                          label="Contraction weight λ")] = 0.01
    projections: Annotated[Int(1, MAX_PROJECTIONS), Setting(
        "Contractive AE with a conv encoder: random projections per example that estimate ‖∂h/∂x‖²_F (an MLP "
        "encoder's is exact).", label="Jacobian projections", group="advanced")] = 1


IMAGE_CONFIGS = (AutoEncoderConfig, DenoisingAutoEncoderConfig, VAEConfig, CVAEConfig)
ZOO_CONFIGS = (JointVAEConfig, AdversarialAutoEncoderConfig, SparseAutoEncoderConfig, ContractiveAutoEncoderConfig)
