"""The Training tab's curves: the per-step loss, KL and schedule of a run as it trains (one stale plot redrawn per
tick), its per-epoch test −ELBO, active units and KL per dimension, or a finished run's history from its file."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QWidget

from explorer.gui.widgets.curve_plot import CurvePlot
from explorer.gui.widgets.kl_heatmap import KLHeatmap
from explorer.training.events import StepEvent

SCHEDULE_TITLES = {"beta": "β(t)", "capacity": "C(t)", "capacity_c": "C_c(t)"}
# Live step curves: one plot redrawn per tick, so each is fresh every second and the window never paints all three
# in one go (a stall), nor spends much of the CPU the run trains with.
STEP_REDRAW_MS = 340


def is_kl(name: str) -> bool:
    """Logged scalars and schedule values in nats of KL: drawn together with their capacity targets."""
    return name.startswith("kl") or name.startswith("capacity")


def uses_capacity(values) -> bool:
    """Whether a run had a capacity target (C(t) is worth a curve)."""
    values = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    return bool(np.any(np.nan_to_num(values) > 0))


class TrainingCurves(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._stale_plots: list[CurvePlot] = []  # step plots whose newest points are not drawn yet
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(STEP_REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw_next)
        self._build_plots()
        grid = QGridLayout(self)
        for position, plot in enumerate(self.plots):
            grid.addWidget(plot, position // 3, position % 3)
        self.clear()

    def _build_plots(self) -> None:
        self.loss_plot = CurvePlot("Loss per step (nats)", "step")
        self.loss_plot.setToolTip("What the model's training step logs: reconstruction, KL and the total loss "
                                  "the optimiser sees (or an adversarial model's phases), per step.")
        self.kl_plot = CurvePlot("KL, capacity (nats)", "step")
        self.kl_plot.setToolTip("The KL terms the training step logs (a JointVAE's KL_z and KL_c apart) and the "
                                "capacity targets C(t) and C_c(t) they are pushed towards.")
        self.weight_plot = CurvePlot("KL weight β(t)", "step")
        self.weight_plot.setToolTip("The effective KL weight over training (γ under a capacity objective).")
        self.elbo_plot = CurvePlot("Test −ELBO (nats)", "epoch")
        self.elbo_plot.setToolTip("The held-out negative ELBO after each epoch (lower is better).")
        self.au_plot = CurvePlot("Active units", "epoch")
        self.au_plot.setToolTip("How many latent dimensions carry information (posterior-mean variance > 0.01).")
        self.heatmap = KLHeatmap()
        self.heatmap.setToolTip("Each latent dimension's KL after each epoch: bright rows are in use.")
        self.plots = [self.loss_plot, self.kl_plot, self.weight_plot, self.elbo_plot, self.au_plot, self.heatmap]
        for plot in self.plots:  # the grid shrinks them with the window instead of cutting them off
            plot.setMinimumWidth(120)

    def clear(self) -> None:
        self._stale_plots = []
        self.steps: list[int] = []
        self.step_scalars: dict[str, list[float]] = {}
        self.step_schedule: dict[str, list[float]] = {}
        self.history: list[dict] = []
        for plot in (self.loss_plot, self.kl_plot, self.weight_plot, self.elbo_plot, self.au_plot):
            plot.clear_curves()
        self.heatmap.set_values(np.zeros((0, 0)))

    def add_steps(self, events: list[StepEvent]) -> None:
        for event in events:
            self.steps.append(event.global_step)
            for series, values in ((self.step_scalars, event.scalars), (self.step_schedule, event.schedule)):
                for name in set(series) | set(values):
                    column = series.setdefault(name, [np.nan] * (len(self.steps) - 1))
                    value = values.get(name)
                    column.append(np.nan if value is None else value)
        self._mark_stale([self.loss_plot, self.kl_plot, self.weight_plot])

    def _mark_stale(self, plots: list[CurvePlot]) -> None:
        self._stale_plots += [plot for plot in plots if plot not in self._stale_plots]
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw_next(self) -> None:
        """Draw the next stale step plot (a hidden panel draws them when it shows)."""
        if not self._stale_plots or not self.isVisible():
            self._redraw_timer.stop()
            return
        self._draw_steps(self._stale_plots.pop(0))

    def draw_stale(self) -> None:
        """Bring every step plot up to date at once (when the panel shows, when a run ends)."""
        plots, self._stale_plots = self._stale_plots, []
        for plot in plots:
            self._draw_steps(plot)

    def _draw_steps(self, plot: CurvePlot) -> None:
        """The per-step curves ``plot`` shows: the logged scalars, the KL terms, or the schedule."""
        for name, values in self.step_scalars.items():
            if plot is self.loss_plot or (plot is self.kl_plot and is_kl(name)):
                plot.set_curve(name, self.steps, values)
        for key, values in self.step_schedule.items():
            if self._schedule_plot(key, values) is plot:
                plot.set_curve(SCHEDULE_TITLES.get(key, key), self.steps, values)

    def add_epoch(self, record: dict) -> None:
        self.history.append(record)
        self._draw_history()

    def _draw_history(self) -> None:
        records = self.history
        epochs = [r["epoch"] for r in records]
        self.elbo_plot.set_curve("test −ELBO", epochs, [_number(r.get("test_elbo")) for r in records], symbol="o")
        self.au_plot.set_curve("active units", epochs, [_number(r.get("active_units")) for r in records],
                               symbol="o")
        kl = [r["kl_per_dim"] for r in records if r.get("kl_per_dim")]
        if kl and len({len(row) for row in kl}) == 1:
            self.heatmap.set_values(np.asarray(kl, dtype=np.float32))

    def show_history(self, history: list[dict]) -> None:
        """Curves of a finished run (from a checkpoint's metadata): per-epoch points."""
        from explorer.training.objectives import SCHEDULE_KEYS

        self.clear()
        self.history = list(history)
        if not history:
            return
        steps = [_number(r.get("step", r.get("epoch"))) for r in history]
        names = [key for key in history[0] if key.startswith("train_")]
        for key in names:
            name, values = key.removeprefix("train_"), [_number(r.get(key)) for r in history]
            self.loss_plot.set_curve(name, steps, values, symbol="o")
            if is_kl(name):
                self.kl_plot.set_curve(name, steps, values, symbol="o")
        for key in SCHEDULE_KEYS:
            values = [_number(r.get(key)) for r in history]
            if any(np.isfinite(values)):
                self._schedule_curve(key, steps, values, symbol="o")
        self._draw_history()

    def _schedule_plot(self, key: str, values) -> CurvePlot | None:
        """β(t) on its own plot; a capacity target beside the KL it steers, when the run has one."""
        if not is_kl(key):
            return self.weight_plot
        return self.kl_plot if uses_capacity(values) else None

    def _schedule_curve(self, key: str, steps, values, symbol: str | None = None) -> None:
        plot = self._schedule_plot(key, values)
        if plot is not None:
            plot.set_curve(SCHEDULE_TITLES.get(key, key), steps, values, symbol=symbol)


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
