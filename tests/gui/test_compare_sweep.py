"""A sweep in the Compare window: its trials as runs, a figure against the swept setting (a point per seed, the
median line) with its table, the figure picked from what the trials report, and new trials joining as they start."""
import numpy as np

from explorer.training.sweep_results import metric_label
from tests.training.test_sweep_results import finished_trial, write_sweep


def test_a_sweep_opens_as_its_trials_and_its_figure_against_the_setting(window, tmp_path, qtbot):
    sweep = write_sweep(tmp_path / "sweep")
    compare = window.compare_runs([tmp_path / "sweep" / "sweep.json"])  # what File > Compare Runs... gives
    try:
        qtbot.waitUntil(lambda: not compare.read_task.busy, timeout=60_000)  # runs are read off the GUI thread
        view = compare.sweep_view
        assert view.isVisible() and "beta over 3 values × 2 seeds (5 of 6 trials finished)" in view.title.text()
        assert sorted(run.name for run in compare.runs) == sorted(t.name for t in sweep.trials()[:5])
        assert view.metric.currentText() == "test −ELBO (nats)"
        x, y = view.seed_points()
        assert list(x) == [1, 1, 4, 4, 16] and list(y) == [40, 42, 45, 48, 60]
        mx, my = view.median_line()
        assert list(mx) == [1, 4, 16] and np.allclose(my, [41, 46.5, 60])
        assert view.plot.plotItem.ctrl.logXCheck.isChecked()  # 1 to 16: a log axis
        cells = [[view.table.item(r, c).text() for c in range(4)] for r in range(3)]
        assert cells[2] == ["16", "60", "—", "60"]
        view.metric.setCurrentIndex(view.metric.findText(metric_label("mig")))
        assert list(view.seed_points()[0]) == [4] and view.table.item(1, 2).text() == "0.3"

        last = sweep.trials()[5]
        finished_trial(last, {"elbo": 62.0})
        sweep.write_manifest({t.name: {"status": "finished"} for t in sweep.trials()})
        assert compare.live_timer.isActive()
        compare.reread_live_runs()
        qtbot.waitUntil(lambda: not compare.live_task.busy, timeout=60_000)
        assert len(compare.runs) == 6 and "6 of 6 trials finished" in view.title.text()
        assert view.metric.currentText() == metric_label("mig")  # the figure picked stays picked
        view.metric.setCurrentIndex(view.metric.findText("test −ELBO (nats)"))
        assert view.table.item(2, 2).text() == "62"
        assert not view.running
    finally:
        compare.stop_worker()


def test_a_folder_with_a_broken_sweep_is_named_in_one_dialog(window, tmp_path, prompts, qtbot):
    (tmp_path / "sweep.json").write_text("{not json")
    compare = window.compare_runs([tmp_path])
    try:
        qtbot.waitUntil(lambda: not compare.read_task.busy, timeout=60_000)
        assert compare.runs == [] and not compare.sweep_view.isVisible()
        assert "cannot be read as a sweep manifest" in prompts.errors[-1][1]
    finally:
        compare.stop_worker()
