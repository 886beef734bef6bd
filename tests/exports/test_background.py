import threading
import time

import pytest

from exports.background import InOrderThread


def test_results_come_back_in_order_with_at_most_the_queued_tasks_waiting():
    worker: InOrderThread[int] = InOrderThread(name="test-in-order", queued=1)

    def slow_square(number: int) -> int:
        time.sleep(0.01 * (5 - number))  # the first tasks take longest
        return number * number

    collected = []
    for number in range(5):
        collected += worker.submit(slow_square, number)
        # One task may wait behind the one running: the rest were collected already.
        assert len(collected) == number
    collected += worker.drain()

    assert collected == [0, 1, 4, 9, 16]
    assert not [t for t in threading.enumerate() if t.name.startswith("test-in-order")]


def test_a_failed_task_is_raised_where_its_result_is_collected_and_the_thread_stops():
    worker: InOrderThread[None] = InOrderThread(name="test-failing", queued=5)

    def fail() -> None:
        raise RuntimeError("row group 2 could not be written")

    worker.submit(lambda: None)
    worker.submit(fail)
    with pytest.raises(RuntimeError, match="row group 2"):
        worker.drain()
    assert not [t for t in threading.enumerate() if t.name.startswith("test-failing")]
