import sys

from communard.cli import main

sys.exit(main())
