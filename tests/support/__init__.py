"""Helpers shared by the test packages: fakes of real peers (pty displays, network
printers), the live service and its clients, panel and browser drivers, paths."""
