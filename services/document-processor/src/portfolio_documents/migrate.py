"""Create the document processor's database if it is missing, then migrate it.

``python -m portfolio_documents.migrate`` or ``portfolio-documents-migrate [upgrade|downgrade] [revision]``
(default ``upgrade head``). The database named in ``DATABASE_URL`` is created through the server's
``postgres`` maintenance database, so a fresh Postgres needs nothing else.
"""

import sys

from portfolio_documents.config import SERVICE, get_settings
from portfolio_shared.sql.cli import migrate_command

SCRIPT_LOCATION = "portfolio_documents:migrations"
main = migrate_command(SERVICE, SCRIPT_LOCATION, get_settings, __doc__)

if __name__ == "__main__":
    sys.exit(main())
