import sys

from harness.app.cli.main import main

sys.exit(main())
