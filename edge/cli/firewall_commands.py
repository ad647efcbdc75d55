"""``tilledge firewall``: the per-client-address limits of the box firewall.

Prints, loads or drops the nftables table ``inet tilledge`` rendered from the
config (:mod:`edge.serving.limits`); ``tilledge-limits.service`` runs
``apply`` at boot before the service and ``remove`` when stopped.
"""

from __future__ import annotations

import click

from edge.cli.group import State, cli, fail, pass_state
from edge.serving import limits


@cli.group()
def firewall() -> None:
    """Per-client-address connection limits (nftables table inet tilledge)."""


@firewall.command("show")
@pass_state
def firewall_show(state: State) -> None:
    """Print the rule set for this config (input for `nft -f`)."""
    click.echo(limits.ruleset(state.config), nl=False)


@firewall.command("apply")
@click.option("--check", is_flag=True, help="Let nft parse the rule set; load nothing.")
@pass_state
def firewall_apply(state: State, check: bool) -> None:
    """Load the rule set (replaces table inet tilledge only; needs root)."""
    config = state.config
    try:
        limits.apply(config, check_only=check)
    except RuntimeError as e:
        fail(str(e))
    click.echo(f"firewall {'checked' if check else 'loaded'}: {limits.summary(config)}", err=True)


@firewall.command("remove")
def firewall_remove() -> None:
    """Drop table inet tilledge (no limits; the service keeps serving)."""
    try:
        limits.remove()
    except RuntimeError as e:
        fail(str(e))
