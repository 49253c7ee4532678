"""``python -m explorer`` is the same program as ``latent-explorer`` and ``python main.py``."""
import sys

from explorer.launcher import main

if __name__ == "__main__":
    sys.exit(main())
