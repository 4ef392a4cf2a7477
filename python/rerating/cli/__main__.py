import sys

from rerating.cli import main

sys.exit(main())
