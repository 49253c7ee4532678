"""Data-parallel training under torchrun: one process per rank, gloo on CPU and NCCL on CUDA.

Every rank builds the same model from the same seed, walks the same seeded permutation of the data and takes its
share of each global batch; gradients are averaged across ranks before every optimizer step (what
DistributedDataParallel does, done at ``StepContext.update`` so multi-phase steps such as an AAE's work unchanged);
evaluation sums are all-reduced; only rank 0 writes events and checkpoints.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from explorer.errors import ConfigError


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, index: torch.Tensor) -> torch.Tensor:
        """This rank's share of a global batch of indices."""
        return index[self.rank::self.world_size] if self.enabled else index

    def average_gradients(self, params: list[torch.Tensor]) -> None:
        if not self.enabled or not params:
            return
        grads = [p.grad for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world_size
        offset = 0
        for g in grads:
            g.copy_(flat[offset:offset + g.numel()].view_as(g))
            offset += g.numel()

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``tensor`` over ranks (in place on every rank)."""
        if self.enabled:
            dist.all_reduce(tensor)
        return tensor

    def broadcast_flag(self, flag: bool, device: torch.device) -> bool:
        """Rank 0's decision (e.g. stop after this step), known to every rank."""
        if not self.enabled:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.broadcast(value, src=0)
        return bool(value.item())

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def close(self) -> None:
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()


def from_environment(device_request: str) -> Distributed:
    """Join the process group torchrun describes in the environment (WORLD_SIZE, RANK, LOCAL_RANK,
    MASTER_ADDR/PORT); a plain process is a world of one."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Distributed()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device_request in ("auto", "cuda") and torch.cuda.is_available()
    if device_request not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"a distributed run trains on cpu or cuda (one GPU per rank), not {device_request!r}")
    if device_request == "cuda" and not use_cuda:
        raise ConfigError("--device cuda asked for, but this torch build sees no CUDA GPU")
    if use_cuda:
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo", timeout=datetime.timedelta(hours=1))
    return Distributed(rank, world_size, local_rank)


def device_for(distributed: Distributed, device_request: str) -> str:
    """A rank's device: its own GPU under NCCL, else the CPU."""
    if distributed.enabled:
        return f"cuda:{distributed.local_rank}" if dist.get_backend() == "nccl" else "cpu"
    return device_request
