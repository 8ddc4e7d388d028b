import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from djgc_direct.scheduler import runner


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs (reminder sweep, mail delivery, digests) until stopped.

    Start exactly this one process beside the web servers; a second one waits idle."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runner.run(current_app._get_current_object())
