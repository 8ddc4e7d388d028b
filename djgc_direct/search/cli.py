import time

import click
from flask.cli import with_appcontext

from djgc_direct.core.cli import command_transaction
from djgc_direct.search.similar import keep_similar_letters, letters_without_similar


@click.command("similar-letters")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1),
              help="letters per transaction (their rows stay locked until it commits)")
@with_appcontext
def similar_letters_command(batch):
    """Find and keep the similar letters of the letters submitted before they were kept at
    submission (after an upgrade), oldest first, one transaction per batch; until then their pages
    score similar letters each time they are shown."""
    done, last_id, started = 0, 0, time.perf_counter()
    while True:
        with command_transaction():
            letters = letters_without_similar(batch, after_id=last_id)
            for case in letters:
                keep_similar_letters(case, earlier_only=True)
            last_id = letters[-1].id if letters else last_id
        if not letters:
            break
        done += len(letters)
        click.echo(f"{done} letters ({done / (time.perf_counter() - started):.0f}/s)")
    click.echo(f"similar letters kept for {done} letters")
