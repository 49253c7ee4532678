"""Latent Explorer: train and explore VAEs on images and sentences."""

__version__ = "0.1.0"
