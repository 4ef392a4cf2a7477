from rerating.cli import run

run()
