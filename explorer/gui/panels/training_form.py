"""The Training tab's form: built from the command line's own option list, with the dataset kept to what the
chosen model kind can learn from (saying why when it changes it), and the names of the run folders it starts."""
from __future__ import annotations

import datetime

from explorer.gui.widgets.option_form import OptionForm


def training_form() -> OptionForm:
    """The form of every training option (it imports torch and the model kinds)."""
    from explorer.training.options import DATASET_IDS, DEVICES, all_options

    return OptionForm(all_options(), suggestions={"dataset": DATASET_IDS, "device": DEVICES})


def fit_dataset_to_kind(form: OptionForm) -> tuple[str, str]:
    """Show the options that apply to the chosen kind; a dataset of the other domain (digits for a sentence VAE)
    is replaced by a default one, and a note under the box says why. Returns the kind and its domain."""
    from explorer.data.registry import dataset_domain
    from explorer.models.registry import config_class

    kind = form.fields["model"].get()
    domain = config_class(kind).info.domain
    dataset = form.fields["dataset"]
    chosen = dataset.get() or ""
    if dataset_domain(chosen) not in (None, domain):
        fallback = "wordnet-examples" if domain == "text" else "digits"
        dataset.set(fallback)
        form.set_note("dataset", f"A {kind} model trains on {domain} data and {chosen} is "
                                 f"{dataset_domain(chosen)} data, so the dataset is now {fallback}.")
    else:
        form.set_note("dataset", "")
    form.show_for(kind, domain)
    return kind, domain


def run_folder_name(options: dict, tail: str = "") -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{options['model']}-{options['dataset']}-{stamp}{tail}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def sweep_folder_names(runs) -> list[str]:
    """A folder for each run of a sweep (all named in the same second), told apart by the settings that differ
    (``...-latent_dim2``, ``...-latent_dim5``)."""
    from explorer.training.options import complete

    runs = [complete(dict(run)) for run in runs]
    differing = [key for key in runs[0] if len({repr(run[key]) for run in runs}) > 1]
    return [run_folder_name(run, "".join(f"-{key}{run[key]}" for key in differing)) for run in runs]
