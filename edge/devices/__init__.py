"""The service side of the till hardware: device lifecycle and states, the tap flow,
the print outbox and the texts shown to customers. May import ``drivers``,
``edge.platform`` and the domain (customers, money); never the API or Flask."""
