"""One uploader per delivery on this computer; a killed process does not block the next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from uploader_gui.wiring.local_lock import DeliveryInUse, LocalDeliveryLock


def test_a_second_uploader_of_the_same_delivery_is_refused(tmp_path: Path) -> None:
    with LocalDeliveryLock("ds", "0001", tmp_path):
        with pytest.raises(DeliveryInUse, match="Another uploader on this computer"):
            LocalDeliveryLock("ds", "0001", tmp_path).acquire()
        LocalDeliveryLock("ds", "0002", tmp_path).acquire()  # another delivery is fine
    with LocalDeliveryLock("ds", "0001", tmp_path):  # released: free again
        pass


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path;"
        "from uploader_gui.wiring.local_lock import LocalDeliveryLock;"
        "LocalDeliveryLock('ds', '0001', Path(sys.argv[1])).acquire();"
        "print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(DeliveryInUse):
        LocalDeliveryLock("ds", "0001", tmp_path).acquire()
    holder.kill()
    holder.wait(timeout=10)
    with LocalDeliveryLock("ds", "0001", tmp_path):
        pass
