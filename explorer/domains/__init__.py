"""Domains render what a model decodes: images for pixel models, sentences for text models. The GUI knows a
domain, never a particular architecture."""
from __future__ import annotations


def domain_for(dataset_info: dict):
    """The domain for a dataset description (``Dataset.describe()`` or a checkpoint's ``meta['dataset']``)."""
    if dataset_info.get("domain", "image") == "text":
        from explorer.domains.text import TextDomain

        return TextDomain(dataset_info)
    from explorer.domains.image import ImageDomain

    return ImageDomain(tuple(dataset_info["shape"]))
