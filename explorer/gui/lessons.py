"""The lectures' lessons, one click away (the Lessons menu): each opens shipped models in the view that makes its
point, with the point written beside it."""
from __future__ import annotations

from dataclasses import dataclass

from explorer.resources import TRAINED, resource


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str  # the point, shown beside the view
    checkpoints: tuple[str, ...]  # files in trained/
    view: str  # "compare" (side by side), "traversal" (every dimension, by KL), "class-swap", "sentences" or "preset"
    preset: str = ""  # view "preset": the sweep preset (resources/presets) trained, then compared
    sentences: tuple[str, ...] = ()  # view "sentences": the two sentences typed as A and B


LESSONS = (
    Lesson("Why not a plain autoencoder?",
           "An autoencoder and a VAE with the same encoder and decoder, both decoding samples from N(0, I). The "
           "autoencoder's codes were never asked to follow that prior, so its samples land where no digit was "
           "encoded and decode to smudges; the VAE's decode to digits.",
           ("ae-mnist5k.safetensors", "vae-mnist5k.safetensors"), "compare"),
    Lesson("Inactive dimensions",
           "A VAE given 64 latent dimensions keeps only about 22 in use: the KL term pushes every dimension the "
           "decoder does not need back onto the prior. The inspector greys them (KL under 0.01 nats) and their "
           "rows at the bottom of the traversal do not change the digit.",
           ("vae-z64-mnist5k.safetensors",), "traversal"),
    Lesson("β-VAE against the VAE",
           "β = 4 weighs the KL four times: fewer nats go through the latent code, so reconstructions and "
           "samples are blurrier and the training curves settle at a higher loss and a much lower KL.",
           ("vae-mnist5k.safetensors", "beta-vae-mnist5k.safetensors"), "compare"),
    Lesson("CVAE: one style, every digit",
           "A conditional VAE is given the label, so z only has to hold the style: one digit's z decoded with "
           "each of the ten classes keeps its slant and stroke.",
           ("cvae-mnist5k.safetensors",), "class-swap"),
    Lesson("β against disentanglement",
           "A β-VAE (β = 8) trained on dSprites, whose five factors (shape, scale, orientation, x, y) are known for "
           "every image. The matrix beside the traversal says how much each latent dimension tells about each "
           "factor (normalised mutual information); a click on a cell traverses that dimension. A larger β "
           "squeezes the code into fewer dimensions that each follow one factor more closely, up to a point: in the "
           "2-epoch β sweep (docs/QUALITY.md) the median mutual information gap went from 0.07 at β = 1 to 0.10 "
           "at β = 8 and fell to 0.01 at β = 16; this model, trained 6 epochs, reaches 0.33.",
           ("beta-vae-dsprites32.safetensors",), "traversal"),
    Lesson("Between two sentences",
           "Two typed sentences, encoded by the denoising autoencoder (trained to rebuild sentences with words "
           "dropped, its codes pulled towards N(0, I)), and the sentences decoded along the path between their "
           "codes; beside it, the sentence VAE's and the plain autoencoder's paths between the same two sentences. "
           "The plain autoencoder's midpoints fall in holes between its codes; the denoising AE's change a few "
           "words at a time.",
           ("sentence-daae-wordnet.safetensors",), "sentences",
           sentences=("the children played in the garden all afternoon .", "she wrote a long letter to her mother .")),
    Lesson("Samples for different latent sizes",
           "Kingma & Welling's figure 5: VAEs with z = 2, 5, 10 and 20 trained one after the other (about two "
           "minutes on a laptop's CPU), then opened side by side: the −ELBO falls as z grows, fast at first, then "
           "slowly; z = 2 draws blurred, average digits, the larger latents sharper and more varied ones.",
           (), "preset", preset="vae-latent-sizes"),
)


def lesson_paths(lesson: Lesson) -> list[str]:
    return [str(TRAINED / name) for name in lesson.checkpoints]


def available(lesson: Lesson) -> bool:
    """Whether the lesson's shipped models (or its preset) are there."""
    return (all((TRAINED / name).is_file() for name in lesson.checkpoints)
            and (not lesson.preset or resource("presets", f"{lesson.preset}.json").is_file()))


def show(window, lesson: Lesson) -> None:
    """Open the lesson in ``window`` (a MainWindow)."""
    paths = lesson_paths(lesson)
    if lesson.view == "preset":
        if window.prompts.confirm(lesson.title, f"{lesson.text}\n\nStart training now?"):
            window.train_preset(lesson.preset)
        return
    if lesson.view == "compare":
        window.compare_runs(paths).set_note(f"{lesson.title}\n{lesson.text}")
        return
    if not window.open_checkpoint(paths[0]):
        return
    window.model_panel.set_note(f"{lesson.title}\n{lesson.text}")
    window.tabs_dock.show()
    if lesson.view == "traversal":
        window.tabs.setCurrentWidget(window.traversal)
        window.traversal.all_dims.setChecked(True)
    elif lesson.view == "sentences":
        panel = window.interpolation
        window.tabs.setCurrentWidget(panel)
        for name, sentence in zip(("A", "B"), lesson.sentences):
            panel.typed[name].setText(sentence)
        panel.use_typed_a()
        panel.use_typed_b()
    elif lesson.view == "class-swap":
        window.tabs.setCurrentWidget(window.interpolation)
        window.session.select(0)
        window.interpolation.use_selection_as_a()
