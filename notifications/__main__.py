"""``python -m notifications worker``: see notifications.worker."""

import sys

from notifications.worker import main

sys.exit(main())
