"""Latent Explorer: `python main.py [CHECKPOINT]` opens the app; `python main.py train|evaluate|export|info ...`."""
import sys

from explorer.launcher import main

if __name__ == "__main__":
    sys.exit(main())
