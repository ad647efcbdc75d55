"""The udev rules and modprobe blacklist cover what the drivers need."""

from __future__ import annotations

import re

from nfc.clf.device import usb_device_map

from tests.support.paths import ROOT

SYSTEMD = ROOT / "systemd"


def test_udev_rules_cover_every_nfcpy_usb_reader() -> None:
    rules = (SYSTEMD / "60-tilledge-nfc.rules").read_text()
    active = [line for line in rules.splitlines() if line and not line.startswith("#")]
    ids = {
        (int(v, 16), int(p, 16))
        for line in active
        for v, p in re.findall(r'idVendor}=="(\w{4})", ATTR{idProduct}=="(\w{4})"', line)
    }
    assert set(usb_device_map) <= ids
    for line in active:
        if "tilledge-nfc" in line:
            assert 'GROUP="tilledge"' in line and 'MODE="0660"' in line


def test_blacklist_names_the_kernel_nfc_modules() -> None:
    lines = (SYSTEMD / "tilledge-blacklist.conf").read_text().splitlines()
    blacklisted = {line.split()[1] for line in lines if line.startswith("blacklist ")}
    assert {"pn533_usb", "pn533", "port100", "nfc"} <= blacklisted
