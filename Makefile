# make run   - set everything up on first use (.venv), then open the app
# make test  - set everything up on first use, then lint and run the test suite (two pytest workers, one a core)
# TORCH=... picks the torch requirement (default torch==2.13.0, the CPU build); e.g. TORCH="torch --index-url URL".
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian/Ubuntu libraries Qt's xcb and offscreen platforms load at run time.
QT_SYSTEM_LIBS := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-randr0

.PHONY: run test setup system-libs shipped-models maps bench clean icon desktop-entry

run: setup
	$(BIN)/python main.py

test: setup
	$(BIN)/ruff check explorer tests bench main.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-libs
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[data,test]"
	touch $(STAMP)

system-libs:
	@if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	  missing=""; for p in $(QT_SYSTEM_LIBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Qt's system libraries:$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	fi

# Rebuild the checkpoints shipped in trained/ (their figures are in docs/QUALITY.md).
SHIP := $(BIN)/python main.py train --dataset mnist-5k --epochs 60 --autosave-every 0 --no-optimizer-state
# The model zoo's settings are their presets (resources/presets/joint-vae.json, aae-petals.json), about 8 and 5
# minutes on one CPU core.
ZOO_SHIP := $(BIN)/python main.py train --autosave-every 0 --no-optimizer-state
# The sentence models (VAE, denoising AE, plain AE) and their language-model baseline: the recipes of the same
# names in bench/sentence_recipes.py (byte-level BPE of 4,000 pieces, the same decoder and split; about 3-6 minutes
# an epoch on one core), kept resumable in build/recipes and shipped as lean copies. The dSprites beta-VAE: about
# 5 minutes an epoch on one core.
RECIPES := $(BIN)/python bench/sentence_recipes.py --run
LEAN := $(BIN)/python -m explorer.io.lean_copy build/recipes
# The lessons' models (Lessons menu, bench/lessons.py): the shipped VAE's autoencoder twin, and a VAE given more
# dimensions than it uses, trained long enough for the unused ones to fall back onto the prior.
shipped-models: setup
	$(SHIP) --model vae --latent-dim 16 --out trained/vae-mnist5k.safetensors
	$(SHIP) --model vae --beta 4 --latent-dim 10 --out trained/beta-vae-mnist5k.safetensors
	$(SHIP) --model cvae --latent-dim 4 --epochs 100 --out trained/cvae-mnist5k.safetensors
	$(SHIP) --model ae --latent-dim 16 --out trained/ae-mnist5k.safetensors
	$(SHIP) --model vae --latent-dim 64 --epochs 300 --out trained/vae-z64-mnist5k.safetensors
	$(ZOO_SHIP) --preset joint-vae --out trained/joint-vae-mnist5k.safetensors
	$(ZOO_SHIP) --preset aae-petals --out trained/aae-petals-mnist5k.safetensors
	$(RECIPES) e12-fb1 e6-daae-mmd long-daae-mmd e10-ae e6-lm
	$(LEAN)/e12-fb1.safetensors trained/sentence-vae-wordnet.safetensors
	$(LEAN)/long-daae-mmd.safetensors trained/sentence-daae-wordnet.safetensors
	$(LEAN)/e10-ae.safetensors trained/sentence-ae-wordnet.safetensors
	$(LEAN)/e6-lm.safetensors trained/lm-wordnet.safetensors
	$(BIN)/python main.py train --dataset dsprites-32 --model vae --beta 8 --latent-dim 10 --hidden 512,256 \
	  --epochs 6 --batch-size 128 --lr 1e-3 --seed 0 --autosave-every 0 --no-optimizer-state \
	  --out trained/beta-vae-dsprites32.safetensors
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/sentence_quality.py
	$(BIN)/python bench/lessons.py

# resources/icon.png is rendered from resources/icon.svg with Qt's SVG renderer.
icon: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m explorer.gui.appearance

# A menu entry (and taskbar icon) for Linux desktops: ~/.local/share/applications/latent-explorer.desktop.
APPLICATIONS := $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/applications
desktop-entry: setup
	mkdir -p "$(APPLICATIONS)"
	sed -e 's|@EXEC@|$(abspath $(BIN))/latent-explorer|' -e 's|@ICON@|$(CURDIR)/resources/icon.png|' \
	  resources/latent-explorer.desktop.in > "$(APPLICATIONS)/latent-explorer.desktop"
	@echo "installed $(APPLICATIONS)/latent-explorer.desktop"

# Add the UMAP map and its head to shipped checkpoints saved before maps were computed at save (runs trained now
# carry theirs), so the app opens them on UMAP at once.
maps: setup
	OMP_NUM_THREADS=1 $(BIN)/python -m explorer.analysis.map_file trained/*.safetensors

bench: setup
	$(BIN)/python bench/train_throughput.py
	$(BIN)/python bench/train_process.py
	$(BIN)/python bench/gui_training.py
	$(BIN)/python bench/gui_responsiveness.py
	$(BIN)/python bench/map_launch.py
	$(BIN)/python bench/map_heads.py
	$(BIN)/python bench/map_click.py

clean:
	rm -rf $(VENV) build *.egg-info
