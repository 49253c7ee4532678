"""Latent Explorer: `python main.py [CHECKPOINT]` opens the app; `python main.py train|evaluate|export|info ...`."""
import sys

if __name__ == "__main__":
    try:
        from explorer.launcher import main
    except KeyboardInterrupt:  # Ctrl+C while the program itself is still being imported: no traceback
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
