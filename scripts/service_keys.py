"""Service keys for token mode: `python -m scripts.service_keys new` / `public KEYFILE`.

- `new [--algorithm EdDSA|ES256]`: a new private key, PKCS#8 PEM on stdout (what the
  `portfolio-<caller>-signing-key` secret holds); its one-line public key on stderr.
- `public KEYFILE`: the one-line public key (what `SERVICE_CALLER_KEYS_<CALLER>` lists) of a
  private key file, PEM or one-line.

`openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` make the same keys; the one-line form
is the PEM body without its armour and line breaks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portfolio_shared.auth import ALGORITHMS, SigningKey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Token-mode service keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="a new private key (PEM on stdout, public key on stderr)")
    new.add_argument("--algorithm", choices=ALGORITHMS, default="EdDSA")
    public = commands.add_parser("public", help="the one-line public key of a private key file")
    public.add_argument("keyfile", type=Path)
    args = parser.parse_args(argv)
    if args.command == "new":
        key = SigningKey.generate(args.algorithm)
        print(key.pem(), end="")
        print(f"public key (kid {key.kid}): {key.public().text()}", file=sys.stderr)
    else:
        print(SigningKey.load(args.keyfile.read_text()).public().text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
