"""The main window's menu bar: File (open, recent files, save, watch a run, place an input, compare, export,
quit), Lessons and View (docks and tabs), and which actions a loaded model enables. A mixin of MainWindow."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from explorer.gui import lessons, settings
from explorer.gui.exports import Exports


class WindowMenus:
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                        "Open a checkpoint and explore it.")
        self.save_action = self._action("&Save", self.save, QKeySequence.StandardKey.Save,
                                        "Save the loaded model to its file (or choose one).")
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs,
                                           "Save the loaded model to a new checkpoint file.")
        self.watch_action = self._action("&Watch a Run…", self.watch_run_dialog, "Ctrl+Shift+W",
                                         "Follow a run folder written by train --run-dir (here, or synced from a "
                                         "GPU server): live curves and its latest checkpoint.")
        self.compare_action = self._action("&Compare Runs…", self.compare_dialog, "Ctrl+Shift+C",
                                           "Open checkpoints side by side with the open model: curves overlaid, "
                                           "metrics in one table, samples from each.")
        self.place_action = self._action("&Place a New Input on the Map…", self.place_input_dialog, "Ctrl+I",
                                         "Encode an image file or a sentence and mark where it lands on the map.")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.watch_action)
        file_menu.addAction(self.place_action)
        file_menu.addAction(self.compare_action)
        self.export_menu = file_menu.addMenu("&Export")
        self.exports = Exports(self, self.export_menu)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "Close the app."))
        self._build_lessons_menu()
        view_menu = self.menuBar().addMenu("&View")
        for dock in (self.model_dock, self.inspector_dock, self.tabs_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        for index in range(self.tabs.count()):
            name = self.tabs.tabText(index)
            action = self._action(f"&{name}", self._show_tab, f"Ctrl+{index + 1}", f"Show the {name} tab.")
            action.setData(index)
            view_menu.addAction(action)
        for menu in (file_menu, self.recent_menu, self.export_menu, view_menu):
            menu.setToolTipsVisible(True)

    def _build_lessons_menu(self) -> None:
        self.lessons_menu = self.menuBar().addMenu("&Lessons")
        self.lessons_menu.setToolTipsVisible(True)
        for lesson in lessons.LESSONS:
            action = self.lessons_menu.addAction(lesson.title)
            action.setToolTip(lesson.text)
            action.setStatusTip(lesson.text)
            action.setData(lesson.title)
            action.setEnabled(lessons.available(lesson))
            action.triggered.connect(self._show_lesson)

    def _show_lesson(self) -> None:
        title = self.sender().data()
        lessons.show(self, next(lesson for lesson in lessons.LESSONS if lesson.title == title))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.setData(path)
            action.triggered.connect(self._open_recent)
        self.recent_menu.setEnabled(bool(files))

    def _open_recent(self) -> None:
        self.open_checkpoint(self.sender().data())

    def _update_actions(self) -> None:
        loaded = self.session.has_model  # an embeddings file has no model to save, place inputs with or decode
        for action in (self.save_action, self.save_as_action):
            action.setEnabled(loaded)
        self.exports.set_enabled(self.session.has_points, loaded)
        self.place_action.setEnabled(loaded)
        self.model_panel.save_button.setEnabled(loaded)
