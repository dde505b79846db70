"""The serving process's garbage collector is tuned once the app is built, never under tests or debugging."""

import gc

import pytest
from flask import Flask

from core.runtime import GC_GEN0_THRESHOLD, tune_garbage_collection


@pytest.fixture
def gc_state():
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_a_serving_app_freezes_its_heap_and_collects_less_often(gc_state):
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    serving = Flask(__name__)
    assert tune_garbage_collection(serving) is True
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (GC_GEN0_THRESHOLD, 10, 10)


@pytest.mark.parametrize("setting", [{"TESTING": True}, {"DEBUG": True}, {"GC_TUNING": False}])
def test_tests_debugging_and_the_setting_leave_the_collector_alone(gc_state, setting):
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    app = Flask(__name__)
    app.config.update(setting)
    assert tune_garbage_collection(app) is False
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == (700, 10, 10)


def test_the_app_factory_leaves_the_test_process_alone(app):
    """The suite's app is built with TESTING on: its many apps are not frozen into the process."""
    assert app.testing and gc.get_threshold()[0] < GC_GEN0_THRESHOLD
