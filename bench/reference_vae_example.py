"""The official PyTorch VAE example (pytorch/examples, vae/main.py) as a whole script, for whole-process timing:
the same model (MLP 784-400-20), Adam 1e-3, batch 128, a DataLoader handing out one image at a time, the loss
summed over the batch, and the test loss after every epoch. Differences, both in its favour: the images come from
the IDX files through numpy instead of torchvision (not installable beside this torch), and no sample or
reconstruction PNG is written each epoch.

    python bench/reference_vae_example.py [--dataset fashion-mnist] [--epochs 10]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.data.images import IDX_FILES, _find_idx_folder, _idx_path, read_idx  # noqa: E402


class IdxImages(Dataset):
    """What torchvision's MNIST with ToTensor returns: one (1, 28, 28) float tensor and its label per index."""

    def __init__(self, images, labels):
        self.images, self.labels = torch.from_numpy(images.copy()), torch.from_numpy(labels.astype("int64"))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index].float().div(255.0).unsqueeze(0), int(self.labels[index])


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train_epoch(model, optimizer, loader, device) -> float:
    """One epoch of the example's train(); its average loss per example."""
    model.train()
    train_loss = 0.0
    for data, _ in loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(loader.dataset)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    folder = _find_idx_folder(args.dataset, None)
    arrays = {key: read_idx(_idx_path(folder, stem)) for key, stem in IDX_FILES.items()}
    train_loader = DataLoader(IdxImages(arrays["train_x"], arrays["train_y"]), batch_size=128, shuffle=True)
    test_loader = DataLoader(IdxImages(arrays["test_x"], arrays["test_y"]), batch_size=128, shuffle=False)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        train_loss = train_epoch(model, optimizer, train_loader, device)
        model.eval()
        test_loss = 0.0
        with torch.no_grad():
            for data, _ in test_loader:
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
        print(f"====> Epoch: {epoch} Average loss: {train_loss:.4f}  "
              f"Test set loss: {test_loss / len(test_loader.dataset):.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
