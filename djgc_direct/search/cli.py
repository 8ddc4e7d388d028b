import time

import click
from flask.cli import with_appcontext

from djgc_direct.core.cli import command_transaction
from djgc_direct.search.similar import keep_similar_letters, letters_without_similar


@click.command("similar-letters")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1), help="letters per transaction")
@with_appcontext
def similar_letters_command(batch):
    """Find and keep the similar letters of the letters submitted before they were kept at
    submission (after an upgrade), oldest first, one transaction per batch; until then their pages
    score similar letters each time they are shown."""
    done, started = 0, time.perf_counter()
    while True:
        with command_transaction():
            letters = letters_without_similar(batch)
            for case in letters:
                keep_similar_letters(case, earlier_only=True)
        if not letters:
            break
        done += len(letters)
        click.echo(f"{done} letters ({done / (time.perf_counter() - started):.0f}/s)")
    click.echo(f"similar letters kept for {done} letters")
