"""The commented configuration a new box starts from: what the package
installs as /etc/tilledge/tilledge.toml and what ``tilledge provision`` fills
in. Every key is optional; a commented line shows the default."""

TEMPLATE = """\
# TillEdge configuration. `tilledge provision` fills in the shop and the box;
# `tilledge doctor` checks the result. Every key is optional: a commented
# line shows its default. Keys: README.md "Configuration".

[box]
# name = "TillEdge"            # shown to terminals (mDNS) and on the panel
# data_dir = "/var/lib/tilledge"
# currency = "EUR"
# country = "DE"               # for reverse charge
# address = []                 # the shop's address lines, printed on receipts
# vat_id = ""                  # USt-IdNr., printed on receipts and invoices
# tax_number = ""              # Steuernummer, when there is no VAT id
# timezone = "Europe/Berlin"   # receipts and invoices show local time

[server]
# listen = "127.0.0.1:8080"    # provisioning sets the LAN address, e.g. "0.0.0.0:8443"
# tls = "auto"                 # on | off | auto (TLS on every address but loopback)
# workers = 1                  # API processes; 2 on a 4-core Pi
# connections_per_address = 64 # firewall cap per client address (tilledge-limits.service)
# new_connections_per_second = 20  # per client address, burst twice that; 0 = no limit

[discovery]
# enabled = true
# interfaces = ["127.0.0.1"]   # the LAN addresses to announce the box on

[devices]
# language = "de"              # customer-facing texts: display, receipts

[devices.nfc]
# readers = [{ name = "reader-1", uri = "usb", terminal = "" }]

[devices.printer]
# uri = "sim:receipts"         # e.g. "tcp:192.168.1.50:9100", "usb:0x04b8:0x0202"

[devices.display]
# uri = "sim:"                 # e.g. "/dev/ttyUSB0"

[security]
# tls_cert = ""                # empty: <data_dir>/tls/cert.pem, self-signed
# tls_key = ""

[geocoding]
# url = ""                     # Nominatim-compatible service for delivery addresses; "" = none
# user_agent = "TillEdge"      # name the shop: Nominatim's usage policy asks for it

[backup]
# dir = ""                     # empty: <data_dir>-backups; or a mounted USB stick
# keep_daily = 7               # the newest backup of each of the last 7 days
# keep_weekly = 4              # and of each of the last 4 ISO weeks
# passphrase_file = ""         # a file whose first line is the passphrase, or
# key_file = ""                # an age key file (`tilledge backup keygen FILE`)
"""
