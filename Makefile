# make run   - set everything up on first use (.venv), then open the app
# make test  - set everything up on first use, then lint and run the test suite
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
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

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
# The sentence VAE, the sentence AE beside it and their language-model baseline get the same decoder, split and
# budget (10 epochs, pre-training included; about 20-30 minutes each on 2 CPU cores); the baseline is kept out of
# trained/ and only feeds docs/QUALITY.md. bench/sentence_recipes.py holds the ablation behind the VAE's recipe.
TEXT_SHIP := $(BIN)/python main.py train --dataset wordnet-examples --min-count 5 --embed-dim 128 --hidden-dim 256 \
	--epochs 10 --batch-size 128 --autosave-every 0 --no-optimizer-state --latent-dim 32
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
	$(TEXT_SHIP) --model sentence-vae --pool max --bidirectional --lr 3e-3 --pretrain-epochs 3 \
	  --kl-schedule linear --warmup-steps 338 --free-bits 0.5 --out trained/sentence-vae-wordnet.safetensors
	$(TEXT_SHIP) --model sentence-ae --pool max --bidirectional --lr 3e-3 --out trained/sentence-ae-wordnet.safetensors
	mkdir -p build && $(TEXT_SHIP) --model lm --out build/lm-wordnet.safetensors
	$(BIN)/python bench/quality.py --lm build/lm-wordnet.safetensors
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
