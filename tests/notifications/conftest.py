from __future__ import annotations

import pytest
from celery._state import _set_task_join_will_block


@pytest.fixture(autouse=True)
def celery_join_flag_reset():
    # Eager `delay()` wraps the task in celery's denied_join_result(), which saves and
    # restores a PROCESS-wide flag: threads posting webhooks concurrently (the concurrency
    # tests) can restore it in the wrong order and leave it set, so a later test in the same
    # process that calls `.get()` on an eager result fails with "Never call result.get()
    # within a task". Reset it after every test here.
    yield
    _set_task_join_will_block(False)
