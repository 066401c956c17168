import sys

from trustedgrading.batch.grader import main

sys.exit(main())
