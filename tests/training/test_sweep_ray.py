"""--launcher ray: the same trials as tasks of a Ray cluster (here a local instance), each the same train command
writing its run folder; without Ray installed, one clear message."""
import sys

import pytest

from explorer.errors import ConfigError
from explorer.training.run_folder import read_run
from explorer.training.sweep import read_manifest
from explorer.training.sweep_launch import RayLauncher
from tests.training.test_sweep import train


def test_without_ray_the_ray_launcher_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as where it is not installed
    with pytest.raises(ConfigError, match=r"pip install 'latent-explorer\[ray\]'"):
        RayLauncher("auto", None)


@pytest.mark.slow  # starting a Ray instance takes a while on 2 cores
def test_a_sweep_runs_its_trials_on_a_local_ray_instance(tmp_path):
    pytest.importorskip("ray")
    root = tmp_path / "sweep"
    result = train("--epochs", "1", "--sweep", "beta=1,4", "--launcher", "ray", "--address", "local", "--jobs", "2",
                   "--run-dir", str(root))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Started a local Ray instance" in result.stderr
    assert [t["status"] for t in read_manifest(root).trials] == ["finished", "finished"]
    for name, beta in (("beta=1-seed0", 1.0), ("beta=4-seed0", 4.0)):
        run = read_run(root / name)
        assert run.status == "finished" and run.info["options"]["beta"] == beta and run.checkpoint is not None
