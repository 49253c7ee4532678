"""The error hierarchy. A user mistake raises one of these with a message that names the file or value and says
what was expected; the CLI prints it on one line, the GUI shows it in a dialog."""

REFUSED_STATUS = 2  # the exit status after a user error: the command line's, and the unattended window's


class ExplorerError(Exception):
    """Base class of every error caused by user input rather than a bug."""


class DataError(ExplorerError):
    """A dataset or corpus is missing, empty or malformed."""


class CheckpointError(ExplorerError):
    """A checkpoint file is missing, corrupt, foreign or from a newer format."""


class TrainingError(ExplorerError):
    """Training cannot go on (NaN/inf loss, bad settings)."""


class ConfigError(ExplorerError):
    """A model, training or export setting is invalid."""
